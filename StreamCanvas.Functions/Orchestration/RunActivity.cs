using Microsoft.DurableTask.Client;

namespace StreamCanvas.Orchestration;

public static class RunActivity
{
    /// <summary>
    /// Running, or Pending: the Azure Storage provider writes an instance's status after its history, so a host that
    /// dies between the two leaves a run that has started (and may wait at a gate) reading Pending until its next
    /// checkpoint. Such a run is treated as running, so its open gate can still be listed and decided.
    /// </summary>
    public static bool IsActive(this OrchestrationMetadata run) =>
        run.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending;
}
