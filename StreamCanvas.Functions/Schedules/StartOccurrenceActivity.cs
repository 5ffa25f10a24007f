using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Activities;

namespace StreamCanvas.Schedules;

public sealed record OccurrenceToStart(string Workflow, DateTimeOffset Occurrence);

/// <summary>The schedule loop's start of one occurrence, through the one place both hosts start occurrences.</summary>
public sealed class StartOccurrenceActivity(ScheduledStarts starts, IServiceProvider services) : IDurableActivity<OccurrenceToStart, OccurrenceStart>
{
    public Task<OccurrenceStart> RunAsync(OccurrenceToStart input, CancellationToken cancellationToken)
    {
        // Only the standalone host runs schedule loops, and only its container has a DurableTaskClient (the Functions
        // host binds clients per function), so the client is looked up here rather than taken in the constructor,
        // which the Functions host calls to build its activity triggers.
        DurableTaskClient client = services.GetRequiredService<DurableTaskClient>();
        return starts.StartAsync(input.Workflow, input.Occurrence, client, cancellationToken);
    }
}
