using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using StreamCanvas.Definitions;
using StreamCanvas.Starts;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace StreamCanvas.Api.Mcp;

/// <summary>
/// The engine as MCP tools, whichever host serves the endpoint: every loaded workflow is a tool that starts a run
/// (its input schema is the workflow's, plus an optional <see cref="IdempotencyKeyArgument"/>), and two tools read
/// a run's status and list the approvals waiting for a person. A start goes through <see cref="RunStarter"/> as
/// HTTP and queue starts do, and every answer is the HTTP route's own body; a refusal (a bad argument, an unknown
/// run, a key reused with another input) is an isError result carrying the problem's detail and the fields at fault.
/// </summary>
public sealed class WorkflowTools(WorkflowCatalog catalog, RunStarter starter, RunsHandler runs, ListApprovalsHandler approvals, IOptions<HttpJsonOptions> json)
{
    public const string ServerName = "streamcanvas";
    // Workflow names match ^[a-z][a-z0-9-]+$, so these underscored names never collide with one.
    public const string RunStatusTool = "get_run_status";
    public const string PendingApprovalsTool = "list_pending_approvals";
    public const string IdempotencyKeyArgument = "idempotencyKey";
    public const string InstanceIdArgument = "instanceId";

    /// <summary>How a start through MCP is named in the log (HTTP starts are "http", queue starts "queue").</summary>
    public const string Source = "mcp";

    /// <summary>What the server tells a client's model about its tools (the initialize result's instructions).</summary>
    public const string Instructions =
        "Each tool named after a workflow starts a durable run of it and answers at once with the run's instanceId; " +
        "pass an idempotencyKey so that a retried call finds the same run instead of starting another. " +
        $"Follow a run with {RunStatusTool}; runs waiting for a person show state 'waiting-for-approval' and appear in {PendingApprovalsTool}. " +
        "Approvals are decided by people through their own links, never through these tools.";

    readonly JsonSerializerOptions options = json.Value.SerializerOptions;

    /// <summary>The tools, built from the catalog on every call: a workflow the host loads is a tool.</summary>
    public ListToolsResult ListTools() => new()
    {
        Tools = [.. catalog.All.OrderBy(w => w.Name, StringComparer.Ordinal).Select(StartTool), RunStatus(), PendingApprovals()],
    };

    /// <summary>
    /// Runs one tool call. <paramref name="request"/> is the HTTP request that carried it (run links are built from
    /// its scheme and host); an unknown tool name is a JSON-RPC invalid-params error, as the MCP specification asks.
    /// </summary>
    public async ValueTask<CallToolResult> CallAsync(CallToolRequestParams call, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IDictionary<string, JsonElement> arguments = call.Arguments ?? new Dictionary<string, JsonElement>();
        try
        {
            switch (call.Name)
            {
                case RunStatusTool:
                    return await RunStatusAsync(arguments, request, client, cancellationToken);
                case PendingApprovalsTool:
                    return await PendingApprovalsAsync(request, client, cancellationToken);
                default:
                    break;
            }

            LoadedWorkflow workflow = catalog.Find(call.Name)
                ?? throw new McpProtocolException($"Unknown tool: '{call.Name}'", McpErrorCode.InvalidParams);
            return await StartAsync(workflow, arguments, call.Meta, request, client, cancellationToken);
        }
        catch (Exception error) when (UnexpectedErrors.IsTransient(error))
        {
            return Refused(StatusCodes.Status503ServiceUnavailable, "Engine unavailable",
                "the workflow engine's storage or sidecar is not reachable right now; try again shortly");
        }
    }

    async Task<CallToolResult> StartAsync(LoadedWorkflow workflow, IDictionary<string, JsonElement> arguments, JsonObject? meta,
        HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        bool keyIsInput = DeclaresKey(workflow.Definition);
        var input = new JsonObject();
        string? key = null;
        foreach ((string name, JsonElement value) in arguments)
        {
            if (name == IdempotencyKeyArgument && !keyIsInput)
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    return Refused(StatusCodes.Status400BadRequest, "Invalid request", $"the {IdempotencyKeyArgument} must be a string",
                        new FieldError("/" + IdempotencyKeyArgument, "expected a string"));
                }

                key = value.GetString();
                continue;
            }

            input[name] = value.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(value.GetRawText());
        }

        // A workflow whose own input has an idempotencyKey field takes the key from the request's _meta instead.
        if (key is null && meta?[IdempotencyKeyArgument] is JsonValue fromMeta && fromMeta.TryGetValue(out string? metaKey))
        {
            key = metaKey;
        }

        var command = new StartCommand(workflow.Name, input, Source,
            IdempotencyKey: key,
            CorrelationId: request.Headers.TraceParent,
            IdempotencyKeyField: "/" + IdempotencyKeyArgument,
            InputField: "");
        StartOutcome outcome = await starter.StartAsync(command, client, cancellationToken);
        (JsonObject answer, bool accepted) = Body(StartRunHandler.Answer(outcome, request));
        if (!accepted)
        {
            return Error(answer);
        }

        // What the HTTP start says in its Idempotent-Replayed header: an earlier call had already started this run.
        answer["replayed"] = outcome.Replayed;
        return Success(answer);
    }

    async Task<CallToolResult> RunStatusAsync(IDictionary<string, JsonElement> arguments, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!arguments.TryGetValue(InstanceIdArgument, out JsonElement given) || given.ValueKind != JsonValueKind.String || given.GetString() is not { Length: > 0 } instanceId)
        {
            return Refused(StatusCodes.Status400BadRequest, "Invalid request", $"{RunStatusTool} needs the run's {InstanceIdArgument}",
                new FieldError("/" + InstanceIdArgument, "a non-empty string is required"));
        }

        return FromHttpResult(await runs.GetAsync(request, instanceId, client, cancellationToken));
    }

    async Task<CallToolResult> PendingApprovalsAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        // Decision tokens (handed to the Development dashboard) never go to an agent: people decide, through their links.
        IReadOnlyList<PendingApproval> pending = await approvals.PendingAsync(request, client, cancellationToken);
        var listed = pending.Select(p => p with { DecisionToken = null, DecisionApprover = null }).ToList();
        return Success(new JsonObject { ["approvals"] = JsonSerializer.SerializeToNode(listed, options) });
    }

    /// <summary>An HTTP handler's answer as a tool result: a 2xx body as the structured content, anything else an error.</summary>
    CallToolResult FromHttpResult(IResult result)
    {
        (JsonObject content, bool succeeded) = Body(result);
        return succeeded ? Success(content) : Error(content);
    }

    /// <summary>The body an HTTP handler's answer would send (serialized as the HTTP API does), and whether it is a 2xx.</summary>
    (JsonObject Content, bool Succeeded) Body(IResult result)
    {
        int status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        object? value = (result as IValueHttpResult)?.Value;
        JsonNode? body = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), options);
        return (body as JsonObject ?? new JsonObject { ["result"] = body }, status is >= 200 and < 300);
    }

    CallToolResult Refused(int status, string title, string detail, params FieldError[] errors) =>
        FromHttpResult(Problems.Of(status, title, detail, errors.Length == 0 ? null : errors));

    static CallToolResult Success(JsonObject content) => new()
    {
        Content = [new TextContentBlock { Text = content.ToJsonString() }],
        StructuredContent = JsonSerializer.SerializeToElement(content),
    };

    static CallToolResult Error(JsonObject problem) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = problem.ToJsonString() }],
        StructuredContent = JsonSerializer.SerializeToElement(problem),
    };

    Tool StartTool(LoadedWorkflow workflow)
    {
        WorkflowDefinition definition = workflow.Definition;
        // A run's input is always an object (RunStarter refuses anything else), which is what MCP asks of a tool's schema.
        JsonObject schema = definition.ToolInputSchema();
        if (!DeclaresKey(definition))
        {
            if (schema["properties"] is not JsonObject properties)
            {
                schema["properties"] = properties = [];
            }

            properties[IdempotencyKeyArgument] = new JsonObject
            {
                ["type"] = "string",
                ["minLength"] = 1,
                ["maxLength"] = RunStarter.MaxIdempotencyKeyLength,
                ["description"] = "Optional. Calls with the same key start one run and answer its instanceId; reusing a key with another input is refused.",
            };
        }

        WorkflowOwner owner = definition.Owner;
        return new Tool
        {
            Name = definition.Name,
            Title = definition.Name,
            Description = $"{definition.ToolDescription()} " +
                $"Starts a durable run (version {definition.Version}) and answers its instanceId at once; follow it with {RunStatusTool}.",
            InputSchema = JsonSerializer.SerializeToElement(schema),
            Annotations = new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = true },
            Meta = new JsonObject
            {
                ["io.streamcanvas/workflow"] = new JsonObject
                {
                    ["version"] = definition.Version,
                    ["contentHash"] = workflow.ContentHash,
                    ["owner"] = new JsonObject { ["team"] = owner.Team, ["contact"] = owner.Contact },
                },
            },
        };
    }

    static Tool RunStatus() => new()
    {
        Name = RunStatusTool,
        Title = "Run status",
        Description = "A workflow run's status: its state (running, waiting-for-approval, completed, failed, ...), current step, " +
            "open approval gate, outputs and outcome once completed, failure, token totals and links.",
        InputSchema = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                [InstanceIdArgument] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "The run's id, as a start answered it." },
            },
            ["required"] = new JsonArray(InstanceIdArgument),
        }),
        Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
    };

    static Tool PendingApprovals() => new()
    {
        Name = PendingApprovalsTool,
        Title = "Pending approvals",
        Description = "Every approval gate waiting for a person, across runs: the run, the step, the level and its approvers, " +
            "the deadline, the snapshot and criteria the approvers see. Decisions are made by the approvers through their own links.",
        InputSchema = JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }),
        Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
    };

    static bool DeclaresKey(WorkflowDefinition definition) =>
        definition.InputSchema["properties"] is JsonObject properties && properties.ContainsKey(IdempotencyKeyArgument);
}
