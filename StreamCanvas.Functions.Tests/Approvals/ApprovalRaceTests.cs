using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Approvals;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Approvals;

/// <summary>
/// Twenty approvers' links decide one gate while its level's timer runs out: the real decider and decision table
/// (Azurite) against the real interpreter (in-process Durable host, real timers and replay).
/// </summary>
public sealed class ApprovalRaceTests : IAsyncLifetime
{
    static readonly string[] Editors = [.. Enumerable.Range(1, 20).Select(i => $"editor{i}@example.com")];

    readonly ApprovalOptions approvalOptions = new() { SigningKey = "race-test-key", Groups = { ["editors"] = string.Join(",", Editors) } };
    InterpreterHost host = null!;
    ApprovalDecisionStore store = null!;
    ApprovalTokens tokens = null!;
    ApprovalDecider decider = null!;

    public async Task InitializeAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString })
            .Build();
        store = ApprovalDecisionStore.Create(configuration);
        tokens = new ApprovalTokens(Options.Create(approvalOptions), TimeProvider.System);
        decider = new ApprovalDecider(tokens, store, TimeProvider.System, Options.Create(new ApprovalDecisionOptions()), Options.Create(approvalOptions),
            NullLogger<ApprovalDecider>.Instance);
        host = await InterpreterHost.StartAsync();
        host.CloseGateLevel = level => store.CloseLevelAsync(level.InstanceId, level.GateId, level.Level, level.NextLevel, CancellationToken.None).GetAwaiter().GetResult();
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task DecideAsync_TwentyLinksRacingTheEscalationTimer_ExactlyOneDecisionApplies()
    {
        WorkflowRunRequest request = TestDefinitions.Request(TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "review", "kind": "approval", "context": ["input.topic"], "criteria": ["Accurate"],
                "escalation": [ { "name": "editor", "group": "editors", "timeout": "PT3S" },
                                { "name": "chief", "approvers": ["chief@example.com"], "timeout": "PT5M" } ] } ]
            """)));
        string id = await host.StartAsync(request);
        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is { LevelIndex: 0 })).Gate!;

        // Fire just before the level runs out, so decisions and the timer's close land together.
        TimeSpan untilDeadline = gate.Deadline - DateTime.UtcNow - TimeSpan.FromMilliseconds(150);
        await Task.Delay(untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.Zero);
        DecisionOutcome[] outcomes = await Task.WhenAll(Editors.Select(editor => Task.Run(() => DecideAsync(id, request.ExecutionId!, gate, 0, editor))));

        DecisionOutcome[] accepted = [.. outcomes.Where(o => o.Result == DecisionResult.Accepted)];
        Assert.InRange(accepted.Length, 0, 1);
        Assert.All(outcomes.Where(o => o.Result != DecisionResult.Accepted), o => Assert.Contains(o.Result, new[] { DecisionResult.AlreadyDecided, DecisionResult.Escalated }));
        string expected;
        if (accepted is [var winner])
        {
            expected = winner.Decision!.Approver;
            Assert.All(outcomes.Where(o => o.Result == DecisionResult.AlreadyDecided), o => Assert.Equal(expected, o.Decision!.Approver));
        }
        else
        {
            // The timer closed the level first: every link was refused as escalated, and the chief decides.
            Assert.All(outcomes, o => Assert.Equal(("chief", DecisionResult.Escalated), (o.CurrentLevel, o.Result)));
            Assert.Null(await store.FindAsync(id, gate.GateId, CancellationToken.None));
            OpenGate chief = (await host.WaitForStatusAsync(id, s => s.Gate is { LevelIndex: 1 })).Gate!;
            Assert.Equal(DecisionResult.Accepted, (await DecideAsync(id, request.ExecutionId!, chief, 1, "chief@example.com")).Result);
            expected = "chief@example.com";
        }

        OrchestrationMetadata done = await host.WaitAsync(id);
        ApprovalRecord approval = done.ReadOutputAs<WorkflowRunResult>()!.Steps.Single(s => s.StepId == "review").Approval!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(expected, approval.DecidedBy);
        Assert.Equal(expected, (await store.FindAsync(id, gate.GateId, CancellationToken.None))!.Approver);
    }

    Task<DecisionOutcome> DecideAsync(string instanceId, string executionId, OpenGate gate, int level, string approver)
    {
        string token = tokens.Issue(new TokenClaims(instanceId, executionId, gate.GateId, level, approver, DateTimeOffset.UtcNow.AddHours(1)));
        var body = new JsonObject
        {
            ["decision"] = Decisions.Approve, ["snapshotHash"] = gate.SnapshotHash, ["criteria"] = new JsonObject { ["Accurate"] = true },
        };
        return decider.DecideAsync(instanceId, gate.GateId, token, principal: null, body, body.ToJsonString(), host.Client, CancellationToken.None);
    }
}
