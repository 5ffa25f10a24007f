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
    public static TimeSpan? From(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        var waits = new List<TimeSpan>();
        if (response.Headers.TryGetValue("retry-after-ms", out string? ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds))
        {
            waits.Add(TimeSpan.FromMilliseconds(milliseconds));
        }

        if (response.Headers.TryGetValue("retry-after", out string? after))
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

        foreach (string header in new[] { "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens" })
        {
            if (response.Headers.TryGetValue(header, out string? reset) && ParseGoDuration(reset) is TimeSpan wait)
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
