using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

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

    /// <summary>
    /// Writes the approved values back at their paths, so what runs after the gate is what was approved even if
    /// the state was touched in between. Paths whose parent no longer exists are left alone.
    /// </summary>
    public static void Restore(JsonObject snapshot, JsonNode state)
    {
        foreach ((string path, JsonNode? value) in snapshot)
        {
            int split = path.EndsWith(']') ? path.LastIndexOf('[') : path.LastIndexOf('.');
            if (split <= 0)
            {
                continue;
            }

            JsonNode? parent = StatePath.Resolve(state, path[..split]);
            string last = path[(split + 1)..].TrimEnd(']');
            if (parent is JsonObject obj)
            {
                obj[last] = value?.DeepClone();
            }
            else if (parent is JsonArray array && int.TryParse(last, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) && index < array.Count)
            {
                array[index] = value?.DeepClone();
            }
        }
    }

    public static string Hash(JsonObject snapshot) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(snapshot.ToJsonString())));
}
