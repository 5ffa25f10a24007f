using System.Buffers.Text;
using System.Text;

namespace StreamCanvas.Api;

/// <summary>
/// The continuation token the run list hands out: the provider's own token wrapped in a versioned, URL-safe
/// envelope, so a token this API never issued is a 400 naming the field instead of a silently empty page.
/// </summary>
public static class PageToken
{
    const string Version = "v1:";

    public static string Wrap(string providerToken) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Version + providerToken));

    public static bool TryUnwrap(string token, out string providerToken)
    {
        providerToken = "";
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (!text.StartsWith(Version, StringComparison.Ordinal) || text.Length == Version.Length)
        {
            return false;
        }

        providerToken = text[Version.Length..];
        return true;
    }
}
