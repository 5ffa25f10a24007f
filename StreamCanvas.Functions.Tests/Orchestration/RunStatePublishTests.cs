using Microsoft.DurableTask;
using Moq;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>What a run publishes while parallel branches, map items and child runs are in flight: within the status budget.</summary>
public sealed class RunStatePublishTests
{
    static (RunState Run, Func<RunStatus> Published, TaskOrchestrationContext Context) NewRun()
    {
        RunStatus? published = null;
        var context = new Mock<TaskOrchestrationContext>();
        context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => published = (RunStatus)s!);
        var run = new RunState(TestDefinitions.Request(TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]"""))));
        return (run, () => published!, context.Object);
    }

    static RunStatus Running => new() { Workflow = "test-flow", Version = "1.0.0", State = RunStates.Running, CurrentStep = "a" };

    [Fact]
    public void Publish_ManyChildRunsInFlight_ShowsOnlyTheLatestWithinTheBudget()
    {
        var (run, published, context) = NewRun();
        for (int i = 0; i < 300; i++)
        {
            run.StartChild($"research-report:c-{i:D32}");
        }

        run.Publish(context, Running);

        Assert.Equal(RunStatus.MaxPublishedChildren, published().Children!.Count);
        Assert.Equal($"research-report:c-{299:D32}", published().Children![^1]);
        Assert.InRange(RunStatusBudget.Measure(published()), 1, RunStatusBudget.MaxStatusChars);
    }

    [Fact]
    public void Publish_GateOpenInABranchWhileAnotherRuns_StaysWaitingForApprovalUntilTheGateCloses()
    {
        var (run, published, context) = NewRun();
        RunState branch = run.Branch(run.Steps);
        var gate = new OpenGate("review-1", "editor", 0, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), [], "hash", SnapshotStored: true);
        branch.Publish(context, Running with { State = RunStates.WaitingForApproval, Gate = gate });
        run.ReportProgress(new StepProgress("checks", "parallel", 2, 0, 2, 0));

        run.Publish(context, Running);
        Assert.Equal((RunStates.WaitingForApproval, "review-1", 2), (published().State, published().Gate!.GateId, published().Progress!.Single().Running));

        branch.Cancel();
        run.Publish(context, Running);
        Assert.Equal(RunStates.Running, published().State);
        Assert.Null(published().Gate);
    }

    [Fact]
    public void Publish_AgentInFlightWithManyTurns_ShowsItsNewestTurnsWithinTheBudgetUntilItEnds()
    {
        var (run, published, context) = NewRun();
        var turns = new List<AgentTurnRecord>();
        for (int turn = 1; turn <= 40; turn++)
        {
            var call = new AgentToolCallRecord($"call-{turn}", "lookup_customer", new string('x', 200), ToolCallStatuses.Succeeded) { HttpStatus = 200, ResultChars = 96 };
            turns.Add(new AgentTurnRecord(turn, "gpt-4o-mini", new(120, 30), 40, [call]));
        }

        run.ReportAgentTurns("agent", turns);
        run.Publish(context, Running);

        AgentInFlight agent = published().Agents!.Single();
        Assert.Equal("agent", agent.StepId);
        Assert.Equal(40, agent.Turns[^1].Turn);
        Assert.InRange(agent.Turns.Count, 1, 39);
        Assert.Equal(40 - agent.Turns.Count, agent.EarlierTurns);
        Assert.InRange(RunStatusBudget.Measure(agent.Turns), 1, RunStatusBudget.MaxAgentTurnsChars);
        Assert.InRange(RunStatusBudget.Measure(published()), 1, RunStatusBudget.MaxStatusChars);

        run.EndAgentTurns("agent");
        run.Publish(context, Running);
        Assert.Null(published().Agents);
    }
}
