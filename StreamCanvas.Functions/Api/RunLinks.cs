using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Api;

/// <summary>The URLs a caller follows for a run, built from the request's own scheme and host.</summary>
public sealed record RunLinks(string Status, string History, string Terminate, string? Approval = null)
{
    public static RunLinks For(HttpRequest request, string instanceId, string? gateId = null)
    {
        string root = $"{request.Scheme}://{request.Host}{request.PathBase}/api";
        string id = Uri.EscapeDataString(instanceId);
        return new RunLinks(
            $"{root}/runs/{id}",
            $"{root}/runs/{id}/history",
            $"{root}/runs/{id}/terminate",
            gateId is null ? null : $"{root}/approvals/{id}/{Uri.EscapeDataString(gateId)}");
    }
}
