using System.Text.Json;

namespace StreamCanvas.Definitions;

/// <summary>
/// How many characters a value takes in a run's published status (see Orchestration.RunStatusBudget), measured as
/// System.Text.Json writes it (non-ASCII escaped, so an upper bound). Definitions are checked against it at load.
/// </summary>
public static class JsonSize
{
    /// <summary>What an approval step's fixed details (criteria, approvers, names) may take in the status.</summary>
    public const int MaxGateDetailsChars = 2_500;

    public static int Of<T>(T value) => JsonSerializer.Serialize(value).Length;
}
