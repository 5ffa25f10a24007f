using System.Security.Cryptography;
using System.Text;

namespace StreamCanvas.Activities.Tools;

/// <summary>
/// The Idempotency-Key a tool call with an unsafe method carries, so the service can deduplicate it: the same for
/// every attempt of one step in one run (a retry after a timeout, or the call made again after the engine died
/// before checkpointing it), different for another step, map item, run, or a restarted run (a new instance id).
/// </summary>
public static class ToolIdempotency
{
    public const string Header = "Idempotency-Key";

    public static bool IsUnsafe(HttpMethod method) =>
        method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options && method != HttpMethod.Trace;

    /// <summary>
    /// "streamcanvas-" and a hash of run, step and map item: opaque to the service, and no run id leaks to it. Outside
    /// a map the hashed text is what it always was, so calls of runs in flight keep their keys.
    /// </summary>
    public static string KeyFor(StepIdentity step) =>
        "streamcanvas-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            step.Item is int item ? $"{step.InstanceId}\n{step.StepId}\n{item}" : $"{step.InstanceId}\n{step.StepId}")))[..32];
}
