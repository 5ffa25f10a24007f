using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Tests.Orchestration;

public sealed class RunStatusBudgetTests
{
    // What Durable Functions' extension allows before it fails the orchestration: 16 KB of UTF-16.
    const int FunctionsHostLimitChars = 16 * 1024 / 2;

    static readonly RunStatus Running = new() { Workflow = "wf", Version = "1.0.0", State = RunStates.Running, CurrentStep = "s60" };

    static StepRecord Step(int i, int messageChars = 0) => new()
    {
        StepId = $"s{i}", Kind = "tool", Status = messageChars > 0 ? StepStatuses.Failed : StepStatuses.Succeeded,
        StartedAt = new DateTime(2026, 1, 1).AddSeconds(i), CompletedAt = new DateTime(2026, 1, 1).AddSeconds(i + 1),
        Error = messageChars > 0 ? new StepError(FailureReasons.ToolError, new string('x', messageChars), false) : null,
    };

    [Fact]
    public void Fit_ShortRun_KeepsTheWholeTimeline()
    {
        StepRecord[] timeline = [Step(1), Step(2), Step(3)];

        RunStatus fitted = RunStatusBudget.Fit(Running, timeline);

        Assert.Equal(timeline, fitted.Timeline);
        Assert.Equal(0, fitted.EarlierSteps);
    }

    [Fact]
    public void Fit_LongRunWithLargeErrors_KeepsTheNewestStepsThatFitAndCountsTheRest()
    {
        StepRecord[] timeline = [.. Enumerable.Range(1, 60).Select(i => Step(i, messageChars: 400))];

        RunStatus fitted = RunStatusBudget.Fit(Running, timeline);

        Assert.InRange(RunStatusBudget.Measure(fitted), 1, RunStatusBudget.MaxStatusChars);
        Assert.NotEmpty(fitted.Timeline!);
        Assert.Equal("s60", fitted.Timeline![^1].StepId);
        Assert.Equal(60, fitted.EarlierSteps + fitted.Timeline.Count);
        Assert.Equal(timeline[fitted.EarlierSteps..], fitted.Timeline);
    }

    [Fact]
    public void Fit_StepLargerThanTheWholeBudget_IsLeftOutNotPublished()
    {
        StepRecord[] timeline = [Step(1), Step(2, messageChars: 20_000)];

        RunStatus fitted = RunStatusBudget.Fit(Running, timeline);

        Assert.Empty(fitted.Timeline!);
        Assert.Equal(2, fitted.EarlierSteps);
        Assert.True(RunStatusBudget.Measure(fitted) < FunctionsHostLimitChars);
    }

    [Fact]
    public void Fit_LongFailureMessage_IsShortenedInTheStatus()
    {
        RunStatus failed = Running with { State = RunStates.Failed, Failure = new RunFailure("s1", FailureReasons.ModelError, new string('m', 50_000)) };

        RunStatus fitted = RunStatusBudget.Fit(failed, [Step(1)]);

        Assert.Equal(RunStatusBudget.MaxFailureMessageChars + 1, fitted.Failure!.Message.Length);
        Assert.StartsWith("mmmm", fitted.Failure.Message, StringComparison.Ordinal);
        Assert.True(RunStatusBudget.Measure(fitted) < FunctionsHostLimitChars);
    }
}
