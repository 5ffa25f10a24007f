using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;
using StreamCanvas.Schedules;

namespace StreamCanvas.Functions;

/// <summary>
/// Schedules under the Functions host: a timer once a minute starts what is due (the standalone host runs a durable
/// loop per schedule instead), and the operator routes list, pause and resume them.
/// </summary>
public sealed class ScheduleFunctions(DueOccurrences due, SchedulesHandler schedules)
{
    /// <summary>Every minute, on the minute: the finest a five-field cron asks for. The Functions timer runs as a singleton across instances.</summary>
    public const string EveryMinute = "0 * * * * *";

    [Function(nameof(StartDueSchedules))]
    public Task StartDueSchedules([TimerTrigger(EveryMinute)] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        due.StartDueAsync(client, context.CancellationToken);

    [Function(nameof(ListSchedules))]
    public Task<IResult> ListSchedules(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Schedules)] HttpRequest request,
        FunctionContext context) =>
        schedules.ListAsync(context.CancellationToken);

    [Function(nameof(PauseSchedule))]
    public Task<IResult> PauseSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.PauseSchedule)] HttpRequest request,
        string workflow,
        FunctionContext context) =>
        schedules.PauseAsync(workflow, context.CancellationToken);

    [Function(nameof(ResumeSchedule))]
    public Task<IResult> ResumeSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.ResumeSchedule)] HttpRequest request,
        string workflow,
        FunctionContext context) =>
        schedules.ResumeAsync(workflow, context.CancellationToken);
}
