using StreamCanvas.Activities.Notices;

namespace StreamCanvas.Approvals;

/// <summary>How the identity deciding a gate was established.</summary>
public enum IdentitySource
{
    /// <summary>A signed approval link: its token names one approver and one level.</summary>
    Link,

    /// <summary>The hosting platform's authenticated principal (App Service Authentication, under the Functions host only).</summary>
    Principal,
}

/// <summary>
/// A signed-in person the hosting platform vouches for. Only the Functions host's adapter builds one, from App Service
/// Authentication's <c>X-MS-CLIENT-PRINCIPAL</c> and only when the platform is known to set that header; nothing
/// in a request body or in a header the platform does not own ever becomes one.
/// </summary>
/// <param name="Name">The principal's address (see the adapter for which claim it is).</param>
/// <param name="Groups">Its group and role claims, matched against a level's <c>group</c> by name.</param>
public sealed record AuthenticatedPrincipal(string Name, IReadOnlyList<string> Groups);

/// <summary>
/// Who is deciding (or looking at) a gate, as the request established it: the approver a link's token was issued
/// to, or the platform's authenticated principal. Never a name typed in a request.
/// </summary>
/// <param name="Approver">The identity a decision records as <c>decidedBy</c>.</param>
/// <param name="Level">The level a link was issued for; null for a principal, who decides at the gate's current level.</param>
/// <param name="Groups">A principal's group claims; empty for a link.</param>
public sealed record ApproverIdentity(string Approver, IdentitySource Source, int? Level, IReadOnlyList<string> Groups)
{
    public static ApproverIdentity Of(TokenCheck token) => new(token.Approver, IdentitySource.Link, token.Level, []);

    public static ApproverIdentity Of(AuthenticatedPrincipal principal) => new(principal.Name, IdentitySource.Principal, null, principal.Groups);

    /// <summary>The level this identity decides at on a gate with these rules.</summary>
    public int LevelAt(GateRules gate) => Level ?? gate.LevelIndex;

    /// <summary>
    /// Whether this identity may decide at the gate's level. An address listed on the level (its approvers and the
    /// configured members of its group) may; so may a principal whose group claims name the level's group. A level
    /// with no one listed is decided by whoever holds one of its signed links, never by any signed-in principal.
    /// </summary>
    public bool MayDecide(GateRules gate)
    {
        if (gate.Members.Contains(Approver, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return Source == IdentitySource.Link
            ? gate.Members.Count == 0
            : gate.Group is { Length: > 0 } group && Groups.Contains(group, StringComparer.OrdinalIgnoreCase);
    }
}
