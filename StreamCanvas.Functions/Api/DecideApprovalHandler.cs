using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Approvals;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>
/// POST /api/approvals/{instanceId}/{gateId}: the signed decision webhook. The link's token is the credential, or,
/// under the Functions host with App Service Authentication, the platform's authenticated principal for a JSON
/// request without a token; <see cref="ApprovalDecider"/> claims the decision before it is raised to the run, so
/// exactly one wins. Takes exactly application/json, or the approval page's form (with the token in it).
/// </summary>
public sealed class DecideApprovalHandler(ApprovalDecider decider)
{
    /// <summary>A decision by a link's token alone (the standalone host has no other identity source).</summary>
    public Task<IResult> DecideAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken) =>
        DecideAsync(request, instanceId, gateId, principal: null, client, cancellationToken);

    /// <param name="principal">The platform's authenticated principal, established by the Functions host's adapter.</param>
    public async Task<IResult> DecideAsync(
        HttpRequest request, string instanceId, string gateId, AuthenticatedPrincipal? principal, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (ApprovalPage.IsForm(request))
        {
            // The approval page's form: its token travels in a hidden field, and the answer is a page.
            if (await ApprovalPage.ReadFormAsync(request, cancellationToken) is not { } form)
            {
                return Problems.BadRequest("the body is not a readable form", new FieldError("/", "expected application/x-www-form-urlencoded fields within the form limits"));
            }

            // A form is a request any site can make with the browser's cookies, the platform's session among them, so a
            // form decides by its link's token only, never as the signed-in principal.
            return ApprovalPage.Result(await decider.DecideAsync(instanceId, gateId, form.Token, principal: null, form.Body, form.Body.ToJsonString(), client, cancellationToken));
        }

        request.EnableBuffering();
        (JsonNode? body, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // The approve and reject links carry the decision in the query (?decision=approve), which fills the
        // body's "decision" when the body leaves it out.
        if (body is JsonObject fields && fields["decision"] is null && request.Query["decision"].ToString() is { Length: > 0 } fromLink)
        {
            fields["decision"] = fromLink;
        }

        DecisionOutcome outcome = await decider.DecideAsync(
            instanceId, gateId, ApprovalTokenCarrier.TokenOf(request), principal, body, await RawAsync(request, cancellationToken), client, cancellationToken);
        return DecisionResponses.For(request, instanceId, gateId, outcome);
    }

    /// <summary>The body as it came (already bounded by <see cref="JsonBody"/>), kept with a refusal.</summary>
    static async Task<string?> RawAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.Body.Position = 0;
        using var reader = new StreamReader(request.Body, leaveOpen: true);
        string text = await reader.ReadToEndAsync(cancellationToken);
        return text.Length == 0 ? null : text;
    }
}
