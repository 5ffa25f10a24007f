using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace StreamCanvas.Activities.Notices;

/// <summary>Who a decision token is for and what it may decide: one approver, one level of one gate opening, one execution of a run.</summary>
public sealed record TokenClaims(string InstanceId, string ExecutionId, string GateId, int Level, string Approver, DateTimeOffset Expires);

/// <summary>
/// Decision tokens: an HMAC over run, execution, gate, level, approver and expiry. The token is the approver's
/// credential and their identity: the decision's approver is the token's, never a name typed in a request.
/// Approval links never carry a function or admin key.
/// </summary>
public sealed class ApprovalTokens(IOptions<ApprovalOptions> options, TimeProvider clock)
{
    const string Version = "v2";

    public string Issue(TokenClaims claims)
    {
        long expiry = claims.Expires.ToUnixTimeSeconds();
        string approver = Base64Url(Encoding.UTF8.GetBytes(claims.Approver));
        return $"{claims.Level}.{expiry}.{approver}.{Sign(claims.InstanceId, claims.ExecutionId, claims.GateId, claims.Level, claims.Approver, expiry)}";
    }

    /// <summary>
    /// Checks a token against the run (and the execution of it that is current), the gate, and the clock. A token
    /// signed for an earlier execution of the same instance id (purged and started again) is not valid.
    /// </summary>
    public TokenCheck Check(string? token, string instanceId, string executionId, string gateId)
    {
        if (Parse(token) is not { } parsed)
        {
            return TokenCheck.Invalid;
        }

        byte[] expected = Encoding.ASCII.GetBytes(Sign(instanceId, executionId, gateId, parsed.Level, parsed.Approver, parsed.Expiry));
        byte[] given = Encoding.ASCII.GetBytes(parsed.Mac);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return TokenCheck.Invalid;
        }

        TokenStatus status = clock.GetUtcNow().ToUnixTimeSeconds() > parsed.Expiry ? TokenStatus.Expired : TokenStatus.Valid;
        return new TokenCheck(status, parsed.Level, parsed.Approver, DateTimeOffset.FromUnixTimeSeconds(parsed.Expiry));
    }

    /// <summary>Whether the text has a token's shape at all (checked before the run is read).</summary>
    public static bool IsWellFormed(string? token) => Parse(token) is not null;

    static (int Level, long Expiry, string Approver, string Mac)? Parse(string? token)
    {
        string[] parts = token?.Split('.') ?? [];
        if (parts.Length != 4 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int level) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long expiry) ||
            FromBase64Url(parts[2]) is not { Length: > 0 } approver)
        {
            return null;
        }

        return (level, expiry, approver, parts[3]);
    }

    string Sign(string instanceId, string executionId, string gateId, int level, string approver, long expiry)
    {
        string key = options.Value.SigningKey;
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException($"{ApprovalOptions.Section}:{nameof(ApprovalOptions.SigningKey)} is not configured.");
        }

        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key),
            Encoding.UTF8.GetBytes(string.Join('\n', Version, instanceId, executionId, gateId, level.ToString(CultureInfo.InvariantCulture), approver, expiry.ToString(CultureInfo.InvariantCulture))));
        return Base64Url(mac);
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static string? FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        try
        {
            return text.Length is > 0 and <= 1024 ? Encoding.UTF8.GetString(Convert.FromBase64String(padded)) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public enum TokenStatus { Valid, Invalid, Expired }

/// <summary>A checked token: its status, and for a genuine one the level, the approver it speaks for and its expiry.</summary>
public sealed record TokenCheck(TokenStatus Status, int Level = -1, string Approver = "", DateTimeOffset Expires = default)
{
    public static TokenCheck Invalid { get; } = new(TokenStatus.Invalid);
}
