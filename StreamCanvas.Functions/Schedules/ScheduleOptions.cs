namespace StreamCanvas.Schedules;

/// <summary>Configuration section "Schedules".</summary>
public sealed class ScheduleOptions
{
    public const string Section = "Schedules";

    /// <summary>
    /// False: this host starts no scheduled run (the Functions timer does nothing, the standalone host starts no
    /// schedule loop and a running loop ends). For a staging slot or a test host that must not fire a deployed schedule.
    /// </summary>
    public bool Enabled { get; set; } = true;
}
