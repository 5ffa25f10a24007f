using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>
/// Demo tools the sample workflows call, so they run end to end with no outside service: a deterministic
/// customer directory here, and a CMS that accepts articles (<see cref="SampleCms"/>). Real deployments point
/// the connections elsewhere.
/// </summary>
public static class SampleTools
{
    public static IResult Customer(string id)
    {
        if (id.Length is 0 or > 64 || !id.All(char.IsAsciiLetterOrDigit))
        {
            return Problems.BadRequest("customer ids are 1-64 letters or digits", new FieldError("id", "letters or digits"));
        }

        if (id.StartsWith("missing", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.NotFound($"no customer '{id}'");
        }

        string[] plans = ["free", "team", "enterprise"];
        string plan = plans[id.Sum(c => c) % plans.Length];
        return Results.Ok(new { id, name = $"Customer {id}", plan, openTickets = id.Length % 4, sla = plan == "enterprise" ? "4h" : "2d" });
    }

    /// <summary>The sample owners' alert channel: accepts a webhook message (any JSON object) and drops it.</summary>
    public static async Task<IResult> ReceiveAlertAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return body is JsonObject
            ? Results.Accepted()
            : Problems.BadRequest("an alert is a JSON object", new FieldError("", "expected an object"));
    }
}
