using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace StreamCanvas.Activities.Notices;

/// <summary>
/// Decision tokens: an HMAC over instance, gate, level and expiry. The token is the approver's only credential,
/// so approval links never carry a function or admin key.
/// </summary>
public sealed class ApprovalTokens(IOptions<ApprovalOptions> options, TimeProvider clock)
{
    public string Issue(string instanceId, string gateId, int level, DateTimeOffset expires)
    {
        long expiry = expires.ToUnixTimeSeconds();
        return $"{level}.{expiry}.{Sign(instanceId, gateId, level, expiry)}";
    }

    public TokenCheck Check(string? token, string instanceId, string gateId)
    {
        string[] parts = token?.Split('.') ?? [];
        if (parts.Length != 3 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int level) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long expiry))
        {
            return TokenCheck.Invalid;
        }

        byte[] expected = Encoding.ASCII.GetBytes(Sign(instanceId, gateId, level, expiry));
        byte[] given = Encoding.ASCII.GetBytes(parts[2]);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return TokenCheck.Invalid;
        }

        return clock.GetUtcNow().ToUnixTimeSeconds() > expiry ? TokenCheck.Expired with { Level = level } : new TokenCheck(TokenStatus.Valid, level);
    }

    string Sign(string instanceId, string gateId, int level, long expiry)
    {
        string key = options.Value.SigningKey;
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException("Approvals:SigningKey is not configured.");
        }

        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{instanceId}\n{gateId}\n{level}\n{expiry}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

public enum TokenStatus { Valid, Invalid, Expired }

public sealed record TokenCheck(TokenStatus Status, int Level = -1)
{
    public static TokenCheck Invalid { get; } = new(TokenStatus.Invalid);
    public static TokenCheck Expired { get; } = new(TokenStatus.Expired);
}
