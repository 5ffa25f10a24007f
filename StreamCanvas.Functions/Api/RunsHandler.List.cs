using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Schedules;

namespace StreamCanvas.Api;

/// <summary>GET /api/runs?workflow=&amp;status=&amp;createdFrom=&amp;createdTo=&amp;pageSize=&amp;continuationToken=</summary>
public sealed partial class RunsHandler
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<IResult> ListAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (RunFilter? filter, IResult? problem) = RunFilter.Read(request.Query);
        if (filter is null)
        {
            return problem!;
        }

        var query = new OrchestrationQuery
        {
            // Run ids start with "<workflow>:", so the provider filters by workflow on the key.
            InstanceIdPrefix = filter.Workflow is null ? null : $"{filter.Workflow}{RunIds.Separator}",
            Statuses = filter.Statuses,
            CreatedFrom = filter.CreatedFrom,
            CreatedTo = filter.CreatedTo,
            PageSize = filter.PageSize,
            ContinuationToken = filter.ContinuationToken,

            // The custom status (state, current step) only comes with inputs and outputs.
            FetchInputsAndOutputs = true,
        };
        Page<OrchestrationMetadata>? page = null;
        await foreach (Page<OrchestrationMetadata> first in client.GetAllInstancesAsync(query).AsPages(filter.ContinuationToken, filter.PageSize).WithCancellation(cancellationToken))
        {
            page = first;
            break;
        }

        // A large map's chunks are orchestrations too, named after their run; they are part of it, not runs. Nor are schedule loops.
        IReadOnlyList<OrchestrationMetadata> runs = (page?.Values ?? [])
            .Where(m => m.Name != nameof(MapChunkOrchestrator) && m.Name != nameof(ScheduleOrchestrator)).ToList();
        string? token = string.IsNullOrEmpty(page?.ContinuationToken) ? null : PageToken.Wrap(page.ContinuationToken);
        return Results.Ok(new RunList(
            runs.Select(m => RunView.From(m, RunLinks.For(request, m.InstanceId), includeDetails: false)).ToList(),
            token,
            token is null ? null : NextPageUrl(request, token)));
    }

    static string NextPageUrl(HttpRequest request, string token)
    {
        var query = request.Query.Where(q => q.Key != "continuationToken")
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"continuationToken={Uri.EscapeDataString(token)}");
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}?{string.Join('&', query)}";
    }
}

public sealed record RunList(IReadOnlyList<RunView> Runs, string? ContinuationToken, string? Next);

/// <summary>The query parameters the list and bulk purge share, checked.</summary>
public sealed record RunFilter(string? Workflow, IReadOnlyList<OrchestrationRuntimeStatus>? Statuses, DateTimeOffset? CreatedFrom, DateTimeOffset? CreatedTo, int PageSize, string? ContinuationToken)
{
    public static (RunFilter? Filter, IResult? Problem) Read(IQueryCollection query)
    {
        var errors = new List<FieldError>();
        string? workflow = query["workflow"].ToString() is { Length: > 0 } w ? w : null;

        List<OrchestrationRuntimeStatus>? statuses = null;
        foreach (string name in query["status"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Enum.TryParse(name, ignoreCase: true, out OrchestrationRuntimeStatus status) && !int.TryParse(name, out _))
            {
                (statuses ??= []).Add(status);
            }
            else
            {
                errors.Add(new FieldError("status", $"'{name}' is not one of Running, Pending, Suspended, Completed, Failed, Terminated"));
            }
        }

        DateTimeOffset? from = Time(query, "createdFrom", errors);
        DateTimeOffset? to = Time(query, "createdTo", errors);
        int pageSize = DefaultPageSizeOr(query, errors);
        string? token = ProviderToken(query, errors);
        if (errors.Count > 0)
        {
            return (null, Problems.BadRequest("the query is not valid", [.. errors]));
        }

        return (new RunFilter(workflow, statuses, from, to, pageSize, token), null);
    }

    static string? ProviderToken(IQueryCollection query, List<FieldError> errors)
    {
        string value = query["continuationToken"].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (PageToken.TryUnwrap(value, out string providerToken))
        {
            return providerToken;
        }

        errors.Add(new FieldError("continuationToken", "not a token this API issued: pass the continuationToken (or follow the next link) of the previous page"));
        return null;
    }

    static DateTimeOffset? Time(IQueryCollection query, string name, List<FieldError> errors)
    {
        string value = query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
        {
            return time;
        }

        errors.Add(new FieldError(name, "an ISO 8601 date and time, e.g. 2025-01-31T00:00:00Z"));
        return null;
    }

    static int DefaultPageSizeOr(IQueryCollection query, List<FieldError> errors)
    {
        string value = query["pageSize"].ToString();
        if (value.Length == 0)
        {
            return RunsHandler.DefaultPageSize;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size is >= 1 and <= RunsHandler.MaxPageSize)
        {
            return size;
        }

        errors.Add(new FieldError("pageSize", $"a whole number from 1 to {RunsHandler.MaxPageSize}"));
        return RunsHandler.DefaultPageSize;
    }
}
