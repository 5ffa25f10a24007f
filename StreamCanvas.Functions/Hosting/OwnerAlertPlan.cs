using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamCanvas.Definitions;

namespace StreamCanvas.Hosting;

/// <summary>
/// What infra/modules/ownerAlerts.bicep deploys, derived from the workflow definitions: per owner team an action
/// group (its contacts by email, its alert channels by webhook when the deployment is given their URLs) and the
/// workflows whose alert rules notify it. Written by <see cref="AlertsCommand"/> to infra/owner-alerts.json.
/// </summary>
public sealed record OwnerAlertPlan
{
    // The app's project is named after its assembly, so the command stays right if either is renamed.
    public static readonly string GeneratedNotice =
        $"Generated from workflows/*.json by: dotnet run --project {typeof(OwnerAlertPlan).Assembly.GetName().Name} -- alerts --workflows workflows --out infra/owner-alerts.json (do not edit by hand)";

    /// <summary>Azure caps an action group's short name at 12 characters.</summary>
    public const int ShortNameLength = 12;

    [JsonPropertyName("$generated")]
    public string Generated { get; init; } = GeneratedNotice;

    public required IReadOnlyList<OwnerAlertTeam> Owners { get; init; }

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file Bicep reads, never HTML: "R&D" stays readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One team per distinct owner.team (ordinal), teams and workflows in name order, so the file is stable.</summary>
    public static OwnerAlertPlan From(IEnumerable<WorkflowDefinition> definitions)
    {
        var teams = definitions
            .GroupBy(d => d.Owner.Team, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new OwnerAlertTeam
            {
                Key = Key(g.Key),
                Team = g.Key,
                ShortName = ShortName(g.Key),
                Emails = [.. g.Select(d => d.Owner.Contact).Where(IsEmail).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)],
                Channels = [.. g.Select(d => d.Owner.Alerts).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                Workflows = [.. g.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => new OwnerAlertWorkflow
                {
                    Name = d.Name,
                    DoneRateAlert = d.Owner.DoneRateAlert is { } declared
                        ? new DoneRateThreshold((int)Math.Round(declared.Below * 100), declared.WindowHours, declared.MinRuns)
                        : null,
                })],
            })
            .ToList();

        string? clash = teams.GroupBy(t => t.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (clash is not null)
        {
            throw new InvalidOperationException(
                $"owner teams {string.Join(" and ", teams.Where(t => t.Key == clash).Select(t => $"'{t.Team}'"))} give the same resource name '{clash}'; spell them the same or apart");
        }

        return new OwnerAlertPlan { Owners = teams };
    }

    /// <summary>Indented JSON with "\n" line endings and a final newline, the same on every OS.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json).ReplaceLineEndings("\n") + "\n";

    /// <summary>Contacts that are not email addresses (a chat handle, a phone number) get no email receiver.</summary>
    public static bool IsEmail(string contact) =>
        MailAddress.TryCreate(contact, out MailAddress? address) && address.Address == contact;

    /// <summary>The team as a resource-name part: lower-case letters and digits, runs of anything else one hyphen.</summary>
    public static string Key(string team)
    {
        var key = new StringBuilder();
        foreach (char c in team.Normalize(NormalizationForm.FormKD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                key.Append(char.ToLowerInvariant(c));
            }
            else if (key.Length > 0 && key[^1] != '-' && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                key.Append('-');
            }
        }

        string result = key.ToString().TrimEnd('-');
        return result.Length == 0 ? "owner" : result;
    }

    static string ShortName(string team)
    {
        string key = Key(team);
        return key[..Math.Min(ShortNameLength, key.Length)].TrimEnd('-');
    }
}

/// <summary>One owner team: the action group every alert rule of its workflows notifies.</summary>
public sealed record OwnerAlertTeam
{
    /// <summary>The team as a resource-name part (<see cref="OwnerAlertPlan.Key"/>).</summary>
    public required string Key { get; init; }
    public required string Team { get; init; }

    /// <summary>The action group's short name (the sender shown in emails), at most 12 characters.</summary>
    public required string ShortName { get; init; }

    /// <summary>The owners' contacts that are email addresses: each is an email receiver.</summary>
    public required IReadOnlyList<string> Emails { get; init; }

    /// <summary>owner.alerts channels: each is a webhook receiver when the deployment is given its URL.</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    public required IReadOnlyList<OwnerAlertWorkflow> Workflows { get; init; }
}

/// <summary>A workflow whose failure-rate, definition-of-done and approval-timeout rules notify its owner.</summary>
public sealed record OwnerAlertWorkflow
{
    public required string Name { get; init; }

    /// <summary>
    /// The pass rate the definition declares to alert below; absent, the deployment's default applies
    /// (definitions declare no threshold yet).
    /// </summary>
    public DoneRateThreshold? DoneRateAlert { get; init; }
}

/// <summary>
/// Alert when fewer than <paramref name="BelowPercent"/> % of the runs that finished in the window met the definition
/// of done, once at least <paramref name="MinRuns"/> finished. Whole percent: Bicep has no fractional numbers.
/// </summary>
public sealed record DoneRateThreshold(int BelowPercent, int WindowHours, int MinRuns);
