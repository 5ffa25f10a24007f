using Microsoft.AspNetCore.Http;
using StreamCanvas.Activities.Notices;

namespace StreamCanvas.Api;

/// <summary>
/// Where an approval request carries its link's token: ?token=, Authorization: Bearer, or X-Approval-Token. A request
/// with none of them is decided by the platform's authenticated principal, where the host has one (Functions only).
/// </summary>
public static class ApprovalTokenCarrier
{
    public const string Header = "X-Approval-Token";

    public static string? TokenOf(HttpRequest request)
    {
        if (request.Query["token"].ToString() is { Length: > 0 } query)
        {
            return query;
        }

        // Only a bearer value shaped like a decision token is one: under App Service Authentication the same header
        // can carry the platform's own access token, which speaks for the signed-in principal instead.
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) &&
            authorization["Bearer ".Length..].Trim() is { } bearer && ApprovalTokens.IsWellFormed(bearer))
        {
            return bearer;
        }

        return request.Headers[Header].ToString() is { Length: > 0 } header ? header : null;
    }
}
