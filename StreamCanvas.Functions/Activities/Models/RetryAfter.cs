using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// How long a rate-limited model endpoint asks us to wait: retry-after-ms, Retry-After (seconds or HTTP date),
/// or OpenAI's x-ratelimit-reset-requests / -tokens ("1s", "6m0s", "250ms"), the longest of them.
/// </summary>
public static partial class RetryAfter
{
    public static TimeSpan? From(PipelineResponse? response) =>
        response is null ? null : From(name => response.Headers.TryGetValue(name, out string? value) ? value : null);

    /// <summary>The same for a tool's HTTP response, so a rate-limited tool is waited for as a model is.</summary>
    public static TimeSpan? From(System.Net.Http.HttpResponseMessage response) =>
        From(name => response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null);

    static TimeSpan? From(Func<string, string?> header)
    {
        var waits = new List<TimeSpan>();
        if (header("retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds))
        {
            waits.Add(TimeSpan.FromMilliseconds(milliseconds));
        }

        if (header("retry-after") is { } after)
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            {
                waits.Add(TimeSpan.FromSeconds(seconds));
            }
            else if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                waits.Add(at - DateTimeOffset.UtcNow);
            }
        }

        foreach (string name in new[] { "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens" })
        {
            if (header(name) is { } reset && ParseGoDuration(reset) is TimeSpan wait)
            {
                waits.Add(wait);
            }
        }

        return waits.Count == 0 ? null : waits.Max() is { } longest && longest > TimeSpan.Zero ? longest : null;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|h|m|s)")]
    private static partial Regex GoDurationPart();

    /// <summary>Parses durations such as "1s", "6m0s", "1h2m3.5s", "250ms".</summary>
    public static TimeSpan? ParseGoDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        TimeSpan total = TimeSpan.Zero;
        int matched = 0;
        foreach (Match part in GoDurationPart().Matches(text))
        {
            double value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromSeconds(value),
            };
            matched += part.Length;
        }

        return matched == text.Trim().Length ? total : null;
    }
}
