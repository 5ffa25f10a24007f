using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace StreamCanvas.Definitions;

/// <summary>
/// Run ids are "&lt;workflow&gt;:&lt;suffix&gt;": the prefix lets operators list one workflow's runs, and an
/// idempotency key always maps to the same suffix, so repeating a start finds the run it started.
/// </summary>
public static partial class RunIds
{
    public const char Separator = ':';

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex ClientSuffix();

    public static string New(string workflow) => $"{workflow}{Separator}{Guid.NewGuid():N}";

    public static string FromIdempotencyKey(string workflow, string key) =>
        $"{workflow}{Separator}k-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32]}";

    public static bool TryFromClientId(string workflow, string clientId, out string instanceId)
    {
        instanceId = $"{workflow}{Separator}{clientId}";
        return ClientSuffix().IsMatch(clientId);
    }

    /// <summary>
    /// A child run's id: the child workflow's prefix (so it lists with that workflow's runs) and a hash of the parent
    /// run, the step and the round, so the same step of the same run always names the same child.
    /// </summary>
    public static string ForChild(string childWorkflow, string parentInstanceId, string stepId, int round) =>
        $"{childWorkflow}{Separator}c-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{parentInstanceId}|{stepId}|{round}")))[..32]}";

    /// <summary>
    /// The suffix of a scheduled run's id: the occurrence in UTC, so every host and every retry that starts this
    /// occurrence names the same run ("daily-digest:s-20261203T070000Z").
    /// </summary>
    public static string OccurrenceSuffix(DateTimeOffset occurrence) =>
        "s-" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string ForOccurrence(string workflow, DateTimeOffset occurrence) => $"{workflow}{Separator}{OccurrenceSuffix(occurrence)}";

    public static string WorkflowOf(string instanceId) => instanceId.Split(Separator)[0];
}
