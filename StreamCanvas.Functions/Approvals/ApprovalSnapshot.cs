using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Approvals;

/// <summary>
/// Exactly what a reviewer approves: the gate's context paths and their values, and a hash of them.
/// Pure functions, so the orchestrator computes the same snapshot on every replay.
/// </summary>
public static class ApprovalSnapshot
{
    public static JsonObject Capture(ApprovalStep step, JsonNode state)
    {
        var snapshot = new JsonObject();
        foreach (string path in step.Context)
        {
            snapshot[path] = StatePath.Resolve(state, path)?.DeepClone();
        }

        return snapshot;
    }

    public static string Hash(JsonObject snapshot) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(snapshot.ToJsonString())));
}
