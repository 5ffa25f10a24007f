namespace StreamCanvas.Api;

/// <summary>Route templates shared by the Functions triggers (relative to /api) and the standalone host.</summary>
public static class ApiRoutes
{
    public const string Prefix = "api";
    public const string StartRun = "workflows/{name}/runs";
    public const string Run = "runs/{id}";
    public const string RunHistory = "runs/{id}/history";
    public const string TerminateRun = "runs/{id}/terminate";

    // Operator routes (admin key): listing, control and purge.
    public const string Runs = "runs";
    public const string SuspendRun = "runs/{id}/suspend";
    public const string ResumeRun = "runs/{id}/resume";
    public const string RestartRun = "runs/{id}/restart";
    public const string RunEvent = "runs/{id}/events/{name}";
    public const string OpenApi = "openapi.json";
    public const string Workflows = "workflows";
    public const string WorkflowVersions = "workflows/{name}/versions";
    public const string WorkflowGraph = "workflows/{name}/graph";
    public const string WorkflowsReadiness = "workflows/readiness";
    public const string WorkflowReadiness = "workflows/{name}/readiness";
    public const string WorkflowsRecord = "workflows/record";
    public const string WorkflowRecord = "workflows/{name}/record";
    public const string SampleCustomer = "samples/customers/{id}";
    public const string SampleArticles = "samples/articles";
    public const string SampleAlerts = "samples/alerts";
    public const string SampleRefunds = "samples/refunds";
    public const string Schedules = "schedules";
    public const string PauseSchedule = "schedules/{workflow}/pause";
    public const string ResumeSchedule = "schedules/{workflow}/resume";
    public const string Approvals = "approvals";
    public const string ApprovalDecision = "approvals/{instanceId}/{gateId}";

    // The MCP endpoint (streamable HTTP, operator key): workflows as tools. Served by the standalone host; see docs/mcp.md.
    public const string Mcp = "mcp";

    // The ops dashboard (anonymous static files; its data comes from the keyed routes).
    public const string Dashboard = "dashboard";
    public const string DashboardAsset = "dashboard/{file}";
}
