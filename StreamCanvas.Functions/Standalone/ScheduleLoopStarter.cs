using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Schedules;

namespace StreamCanvas.Standalone;

/// <summary>At host start, ensures every schedule's loop (<see cref="ScheduleLoops"/>); retried while storage is not there yet.</summary>
public sealed partial class ScheduleLoopStarter(ScheduleLoops loops, DurableTaskClient client, TimeProvider clock, ILogger<ScheduleLoopStarter> logger) : BackgroundService
{
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await loops.EnsureAsync(client, stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogEnsureFailed(ex, RetryAfter.TotalSeconds);
                await Task.Delay(RetryAfter, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the schedule loops; trying again in {Seconds} s")]
    partial void LogEnsureFailed(Exception error, double seconds);
}
