namespace StreamCanvas.Storage;

/// <summary>
/// Configuration section "Claims": how long the rows the app keeps beside the task hub outlive their use. A run's
/// purge deletes its rows at once; this retention removes what a purge never reaches (runs never purged, a start
/// that died between its claim and its run).
/// </summary>
public sealed class ClaimsOptions
{
    public const string Section = "Claims";

    /// <summary>
    /// Days after their last change that start claims and a run's approval decision rows are deleted; 0 keeps them
    /// until the run is purged. It is raised, if needed, above the longest approval level any workflow declares, so an
    /// open gate never loses its row.
    /// </summary>
    public int RetentionDays { get; set; } = 90;
}
