using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Hosting;

/// <summary>
/// Applies <see cref="ClaimsOptions.RetentionDays"/> on every host: a bounded sweep at start and then hourly
/// (sooner while a sweep hits its bound) deletes start claims and approval decision rows older than the retention.
/// Every host sweeps; the deletes are conditional and idempotent, so hosts sweeping together do no harm.
/// </summary>
public sealed partial class ClaimsRetention(
    IStartClaims starts, ApprovalDecisionStore decisions, WorkflowCatalog catalog, IOptions<ClaimsOptions> options, TimeProvider clock,
    ILogger<ClaimsRetention> logger) : BackgroundService
{
    /// <summary>Rows (claims) and runs (decision rows) one sweep deletes at most, so a sweep stays short.</summary>
    public const int MaxPerSweep = 500;

    static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    static readonly TimeSpan BacklogInterval = TimeSpan.FromMinutes(1);

    /// <summary>The retention applied, or null when rows are kept until their run is purged.</summary>
    public TimeSpan? Retention
    {
        get
        {
            if (options.Value.RetentionDays <= 0)
            {
                return null;
            }

            // An open gate must keep its row for as long as its longest level waits, whatever the setting says.
            TimeSpan longestLevel = catalog.All
                .SelectMany(w => StepLists.Flatten(w.Definition.Steps).OfType<ApprovalStep>())
                .SelectMany(a => a.Escalation)
                .Select(level => level.TimeoutSpan)
                .DefaultIfEmpty(TimeSpan.Zero)
                .Max();
            TimeSpan configured = TimeSpan.FromDays(options.Value.RetentionDays);
            return configured > longestLevel ? configured : longestLevel + TimeSpan.FromDays(1);
        }
    }

    /// <summary>One bounded sweep; true when it hit its bound (more is left to delete).</summary>
    public async Task<bool> SweepAsync(CancellationToken cancellationToken)
    {
        if (Retention is not TimeSpan retention)
        {
            return false;
        }

        DateTimeOffset cutoff = clock.GetUtcNow() - retention;
        int claims = await starts.DeleteClaimedBeforeAsync(cutoff, MaxPerSweep, cancellationToken);
        int runs = await decisions.DeleteRunsUnchangedSinceAsync(cutoff, MaxPerSweep, cancellationToken);
        if (claims > 0 || runs > 0)
        {
            LogSwept(claims, runs, cutoff);
        }

        return claims == MaxPerSweep || runs == MaxPerSweep;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Retention is null)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            bool more = false;
            try
            {
                more = await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage down: the rows wait for the next sweep; the host keeps running.
                LogSweepFailed(ex);
            }

            try
            {
                await Task.Delay(more ? BacklogInterval : Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Claims} start claims and the decision rows of {Runs} runs unchanged since {Cutoff:O}")]
    partial void LogSwept(int claims, int runs, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention sweep of claims and decision rows failed; trying again later")]
    partial void LogSweepFailed(Exception exception);
}
