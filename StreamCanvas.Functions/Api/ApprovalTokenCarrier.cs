using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Api;

/// <summary>Where an approval request carries its link's token: ?token=, Authorization: Bearer, or X-Approval-Token.</summary>
public static class ApprovalTokenCarrier
{
    public const string Header = "X-Approval-Token";

    public static string? TokenOf(HttpRequest request)
    {
        if (request.Query["token"].ToString() is { Length: > 0 } query)
        {
            return query;
        }

        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        return request.Headers[Header].ToString() is { Length: > 0 } header ? header : null;
    }
}
