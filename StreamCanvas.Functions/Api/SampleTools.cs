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

    /// <summary>
    /// The demo billing service's refunds: { customerId, amount, reason } issues a refund (201) with an id derived
    /// from the request, so the same refund asked twice is the same refund. Amounts are 0.01 to 10,000.
    /// </summary>
    public static async Task<IResult> RefundAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<FieldError>();
        string? customerId = (body as JsonObject)?["customerId"] is JsonValue id && id.TryGetValue(out string? text) ? text : null;
        if (customerId is null || customerId.Length is 0 or > 64 || !customerId.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add(new FieldError("/customerId", "1-64 letters or digits"));
        }

        double amount = (body as JsonObject)?["amount"] is JsonValue value && value.TryGetValue(out double number) ? number : 0;
        if (amount is < 0.01 or > 10_000)
        {
            errors.Add(new FieldError("/amount", "a number from 0.01 to 10000"));
        }

        if (errors.Count > 0)
        {
            return Problems.BadRequest("a refund needs a customerId and an amount", [.. errors]);
        }

        string reason = (body as JsonObject)?["reason"]?.ToString() ?? "";
        string refundId = "rf-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(FormattableString.Invariant($"{customerId}|{amount}|{reason}"))))[..12];
        return Results.Created($"/api/samples/refunds/{refundId}", new { refundId, customerId, amount, reason, status = "issued" });
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
