namespace StreamCanvas.Hosting;

/// <summary>
/// The work-item limits both hosts run with unless told otherwise: the standalone host's DurableTask:* settings
/// default to these, and host.json states the same (a test keeps them in step). See docs/performance.md.
/// </summary>
public static class DurableTaskDefaults
{
    /// <summary>
    /// Activities in flight per host. Ours are model and tool calls that wait seconds on the network, not the CPU,
    /// so a host can run many; this protects the host's memory and, without Model:Quota, the model's rate limit.
    /// </summary>
    public const int MaxConcurrentActivities = 100;

    /// <summary>
    /// Orchestration work items per core, as the Durable Functions extension applies when host.json leaves
    /// maxConcurrentOrchestratorFunctions out: replays are short and CPU-bound, so they scale with cores.
    /// </summary>
    public const int OrchestrationsPerCore = 10;

    public static int MaxConcurrentOrchestrations => OrchestrationsPerCore * Environment.ProcessorCount;
}
