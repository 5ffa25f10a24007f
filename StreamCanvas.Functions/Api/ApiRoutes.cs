namespace StreamCanvas.Api;

/// <summary>Route templates shared by the Functions triggers (relative to /api) and the standalone host.</summary>
public static class ApiRoutes
{
    public const string Prefix = "api";
    public const string StartRun = "workflows/{name}/runs";
    public const string Run = "runs/{id}";
    public const string RunHistory = "runs/{id}/history";
    public const string TerminateRun = "runs/{id}/terminate";
    public const string Workflows = "workflows";
    public const string SampleCustomer = "samples/customers/{id}";
    public const string SampleArticles = "samples/articles";
    public const string Approvals = "approvals";
    public const string ApprovalDecision = "approvals/{instanceId}/{gateId}";
}
