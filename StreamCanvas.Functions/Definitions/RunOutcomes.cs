namespace StreamCanvas.Definitions;

/// <summary>How a run ends: its definition of done met, not met, or the run failed before its end.</summary>
public static class RunOutcomes
{
    public const string Succeeded = "succeeded";
    public const string FailedCriteria = "failed-criteria";
    public const string Failed = "failed";
}
