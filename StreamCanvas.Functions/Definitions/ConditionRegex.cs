using System.Text.RegularExpressions;

namespace StreamCanvas.Definitions;

/// <summary>
/// How a condition's <c>matches</c> pattern runs: RegexOptions.NonBacktracking, linear in the input, so no
/// timeout and no load-dependent answer. Patterns it cannot run (backreferences, lookarounds, atomic groups)
/// are refused when the definition loads, with the condition's pointer.
/// </summary>
public static class ConditionRegex
{
    public const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    public static bool IsMatch(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, pattern, Options);
        }
        catch (NotSupportedException)
        {
            // Only a run started before such patterns were refused at load carries one: it replays as it ran then.
            return Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Why <paramref name="pattern"/> cannot be a condition, or null when it can.</summary>
    public static string? Problem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, Options);
            return null;
        }
        catch (NotSupportedException ex)
        {
            return $"'{pattern}' needs backtracking, which conditions do not run (they must give the same answer on every replay): {ex.Message}";
        }
        catch (ArgumentException ex)
        {
            return $"'{pattern}' is not a valid regular expression: {ex.Message}";
        }
    }
}
