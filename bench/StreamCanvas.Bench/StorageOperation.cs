using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Bench;

/// <summary>
/// Names one storage request as "service resource operation" (e.g. "queue {hub}-control-NN get messages"), so the
/// benchmark can say where a run's requests go. Task hub names and partition numbers are folded together.
/// </summary>
public static partial class StorageOperation
{
    public static string Of(string service, HttpRequest request)
    {
        string path = request.Path.Value ?? "/";
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string resource = segments.Length > 1 ? segments[1] : "(account)";
        string method = request.Method;
        string? comp = request.Query["comp"];
        string operation = service switch
        {
            "queue" => QueueOperation(method, segments, comp, request.Query.ContainsKey("popreceipt"), request.Query["peekonly"] == "true"),
            "table" => TableOperation(method, resource),
            _ => BlobOperation(method, segments, comp, request.Headers["x-ms-lease-action"]),
        };
        int keys = resource.IndexOf('(', StringComparison.Ordinal);
        string name = keys >= 0 ? resource[..keys] : resource;
        name = ControlQueue().Replace(Hub().Replace(name, "{hub}"), "-control-NN");
        return $"{service} {name} {operation}";
    }

    static string QueueOperation(string method, string[] segments, string? comp, bool hasPopReceipt, bool peek) => (method, segments.Length > 2 && segments[2] == "messages") switch
    {
        ("GET", true) => peek ? "peek messages" : "get messages",
        ("POST", true) => "put message",
        ("DELETE", true) => hasPopReceipt ? "delete message" : "clear messages",
        ("PUT", true) => "update message",
        (_, false) when comp is not null => $"{method} {comp}",
        _ => method == "PUT" ? "create queue" : method,
    };

    static string TableOperation(string method, string resource)
    {
        if (resource == "$batch")
        {
            return "batch";
        }

        bool entity = resource.Contains("PartitionKey=", StringComparison.Ordinal);
        return (method, entity) switch
        {
            ("GET", true) => "get entity",
            ("GET", false) => resource == "Tables" ? "list tables" : "query",
            ("POST", false) => resource == "Tables" ? "create table" : "insert",
            ("PUT", true) => "replace",
            ("MERGE", true) or ("PATCH", true) => "merge",
            ("DELETE", _) => "delete",
            _ => method,
        };
    }

    static string BlobOperation(string method, string[] segments, string? comp, string? leaseAction) => comp switch
    {
        "lease" => $"lease {leaseAction}",
        "list" => "list",
        null => (method, segments.Length > 2) switch
        {
            ("GET", true) => "read",
            ("PUT", true) => "write",
            ("HEAD", true) => "properties",
            ("PUT", false) => "create container",
            _ => method,
        },
        _ => $"{method} {comp}",
    };

    [GeneratedRegex("bench[a-z]+[0-9a-f]{8}", RegexOptions.IgnoreCase)]
    private static partial Regex Hub();

    [GeneratedRegex(@"-control-\d+")]
    private static partial Regex ControlQueue();
}
