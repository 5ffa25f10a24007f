using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using StreamCanvas.Approvals;

namespace StreamCanvas.Functions;

/// <summary>
/// App Service Authentication's signed-in principal, under the Functions host only. The platform's authentication
/// module sits in front of the app: it removes any <c>X-MS-CLIENT-PRINCIPAL</c> a client sends and sets its own for
/// a signed-in caller (base64 JSON: <c>auth_typ</c>, <c>name_typ</c>, <c>role_typ</c>, <c>claims: [{ typ, val }]</c>).
/// The header is read only while the platform reports the module on (<c>WEBSITE_AUTH_ENABLED=True</c>, which it
/// sets itself); otherwise it is anyone's to forge and is ignored. The standalone host never reads it.
/// </summary>
/// <remarks>
/// The identity is the first of: the <c>preferred_username</c> claim, the <c>email</c> claim (or the
/// <c>emailaddress</c> claim type), the claim the principal's <c>name_typ</c> names. Group membership comes from the
/// <c>groups</c> and <c>roles</c> claims and the claims of the principal's <c>role_typ</c>.
/// </remarks>
public sealed class AppServicePrincipal(IConfiguration configuration)
{
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>Set by App Service (and Azure Functions) when its authentication module is on.</summary>
    public const string EnabledSetting = "WEBSITE_AUTH_ENABLED";

    /// <summary>Far above any real principal; a larger header is not the platform's.</summary>
    const int MaxHeaderLength = 32 * 1024;

    const string EmailAddressClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

    static readonly string[] GroupClaims = ["groups", "roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"];

    /// <summary>Whether the platform's authentication module is in front of this app.</summary>
    public bool Trusted => string.Equals(configuration[EnabledSetting], bool.TrueString, StringComparison.OrdinalIgnoreCase);

    /// <summary>The signed-in principal of the request; null when there is none or the header cannot be trusted.</summary>
    public AuthenticatedPrincipal? Of(HttpRequest request) =>
        Trusted && request.Headers[Header].ToString() is { Length: > 0 } header ? Decode(header) : null;

    /// <summary>The principal the header describes; null when it is not one (malformed, or no usable identity claim).</summary>
    public static AuthenticatedPrincipal? Decode(string header)
    {
        if (header.Length > MaxHeaderLength || FromBase64(header) is not { } json)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out JsonElement claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var values = new List<(string Type, string Value)>();
            foreach (JsonElement claim in claims.EnumerateArray())
            {
                if (Text(claim, "typ") is { } type && Text(claim, "val") is { } value)
                {
                    values.Add((type, value.Trim()));
                }
            }

            string? nameType = Text(root, "name_typ");
            string? roleType = Text(root, "role_typ");
            string? name = First(values, "preferred_username") ?? First(values, "email") ?? First(values, EmailAddressClaim)
                ?? (nameType is null ? null : First(values, nameType));
            if (name is not { Length: > 0 and <= DecisionRequest.MaxApproverLength })
            {
                return null;
            }

            string[] groups = [.. values
                .Where(c => GroupClaims.Contains(c.Type, StringComparer.OrdinalIgnoreCase) || (roleType is not null && string.Equals(c.Type, roleType, StringComparison.OrdinalIgnoreCase)))
                .Select(c => c.Value)
                .Where(v => v.Length > 0)
                .Distinct(StringComparer.OrdinalIgnoreCase)];
            return new AuthenticatedPrincipal(name, groups);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static string? First(List<(string Type, string Value)> claims, string type) =>
        claims.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase) && c.Value.Length > 0).Value;

    static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    static string? FromBase64(string text)
    {
        string padded = text.Trim().Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(padded));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
