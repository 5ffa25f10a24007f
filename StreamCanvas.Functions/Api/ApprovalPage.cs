using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Approvals;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>
/// The approval link opened in a browser: the gate to decide (snapshot shown as text, never as HTML), the
/// criteria as checkboxes, a comment, and approve / reject / request changes posted as a form; then the result.
/// No script at all: approve is only clickable once every criterion is ticked (the form's own validity, in CSS).
/// </summary>
public static class ApprovalPage
{
    public const string FormContentType = "application/x-www-form-urlencoded";

    /// <summary>Long values start collapsed.</summary>
    const int CollapseAbove = 600;
    static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Whether the caller is a browser asking for a page rather than a client asking for JSON.</summary>
    public static bool WantsHtml(HttpRequest request) =>
        request.Headers.Accept.ToString() is { Length: > 0 } accept &&
        accept.Contains("text/html", StringComparison.OrdinalIgnoreCase) &&
        !accept.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    public static bool IsForm(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) &&
        type.MediaType.Equals(FormContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The form's fields as the JSON decision body, and the token from its hidden field; null when the body is not a form ASP.NET Core can read.</summary>
    public static async Task<(string? Token, JsonObject Body)?> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            // Over the form limits (key or value length, count) or malformed: the client's fault, not the engine's.
            return null;
        }

        var criteria = new JsonObject();
        foreach (string? criterion in form["criterion"])
        {
            if (!string.IsNullOrEmpty(criterion))
            {
                criteria[criterion] = true;
            }
        }

        var body = new JsonObject { ["decision"] = form["decision"].ToString(), ["snapshotHash"] = form["snapshotHash"].ToString(), ["criteria"] = criteria };
        if (form["comment"].ToString() is { Length: > 0 } comment)
        {
            body["comment"] = comment;
        }

        return (form["token"].ToString() is { Length: > 0 } token ? token : null, body);
    }

    /// <summary>
    /// The gate to decide. Without a link's <paramref name="token"/> (a signed-in principal's view) the page has no
    /// form: a form would decide with the browser's cookies, so a principal decides with a JSON POST instead.
    /// </summary>
    public static IResult Gate(GateView view, string? token)
    {
        var html = new StringBuilder();
        Header(html, $"Approval: {view.Status.Workflow}");
        html.Append("<dl>");
        Row(html, "Workflow", $"{view.Status.Workflow} {view.Status.Version}");
        if (view.Owner is { } owner)
        {
            Row(html, "Owner", $"{owner.Team} ({owner.Contact})");
        }

        Row(html, "Run", view.InstanceId);
        Row(html, "Step", view.StepId ?? view.Gate.GateId);
        Row(html, "Level", view.Gate.Level);
        Row(html, "You decide as", view.Viewer ?? "");
        Row(html, "Deadline", view.Gate.Deadline.ToString("u", CultureInfo.InvariantCulture));
        html.Append("</dl><h2>What you approve</h2><div id=\"snapshot\">");
        foreach ((string path, JsonNode? value) in view.Gate.Snapshot ?? [])
        {
            string text = value is JsonValue plain && plain.TryGetValue(out string? s) ? s : value?.ToJsonString(Indented) ?? "null";
            html.Append(text.Length > CollapseAbove
                ? FormattableString.Invariant($"<details class=\"value\"><summary>{E(path)} ({text.Length} characters)</summary><pre>{E(text)}</pre></details>")
                : FormattableString.Invariant($"<div class=\"value\"><div class=\"path\">{E(path)}</div><pre>{E(text)}</pre></div>"));
        }

        if (token is null)
        {
            html.Append("</div><p id=\"principal\">You are signed in: decide with a JSON POST to this address ")
                .Append("(<code>decision</code>, <code>criteria</code>, <code>comment</code>, and this <code>snapshotHash</code>: ")
                .Append(CultureInfo.InvariantCulture, $"<code>{E(view.Gate.SnapshotHash)}</code>), or from the link in your notice.</p>");
            return Page(html, StatusCodes.Status200OK);
        }

        html.Append("</div><form method=\"post\" id=\"decide\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"token\" value=\"{E(token)}\"><input type=\"hidden\" name=\"snapshotHash\" value=\"{E(view.Gate.SnapshotHash)}\">");
        if (view.Gate.Criteria is { Count: > 0 } criteria)
        {
            html.Append("<fieldset><legend>Confirm each criterion to approve</legend>");
            foreach (string criterion in criteria)
            {
                html.Append(CultureInfo.InvariantCulture, $"<label><input type=\"checkbox\" name=\"criterion\" value=\"{E(criterion)}\" required> {E(criterion)}</label>");
            }

            html.Append("</fieldset>");
        }

        html.Append("<label for=\"comment\">Comment (required to request changes)</label><textarea id=\"comment\" name=\"comment\" rows=\"4\" maxlength=\"4000\"></textarea>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"{Decisions.Approve}\" class=\"approve\">Approve</button>")
            .Append(CultureInfo.InvariantCulture, $"<button type=\"submit\" name=\"decision\" value=\"{Decisions.Reject}\" formnovalidate class=\"reject\">Reject</button>")
            .Append(CultureInfo.InvariantCulture, $"<button type=\"submit\" name=\"decision\" value=\"{Decisions.RequestChanges}\" formnovalidate class=\"changes\">Request changes</button></div></form>");
        return Page(html, StatusCodes.Status200OK);
    }

    /// <summary>What became of a decision (or why the gate cannot be shown), as a page.</summary>
    public static IResult Result(DecisionOutcome outcome)
    {
        (int status, string id, string title, string detail) = outcome.Result switch
        {
            DecisionResult.Accepted or DecisionResult.AcceptedEarly =>
                (StatusCodes.Status200OK, "decided", "Decision recorded", $"{Verb(outcome.Decision!.Decision)} by {outcome.Decision.Approver}. The run continues with this decision."),
            DecisionResult.AlreadyDecided =>
                (StatusCodes.Status409Conflict, "already-decided", "Already decided", $"This gate was already decided: {Verb(outcome.Decision!.Decision)} by {outcome.Decision.Approver}."),
            DecisionResult.Escalated =>
                (StatusCodes.Status409Conflict, "escalated", "Escalated", outcome.CurrentLevel is { } level
                    ? $"This gate has escalated to '{level}'; this link no longer decides it."
                    : "This gate's last level ran out before a decision."),
            DecisionResult.Forbidden when outcome.Errors?.Any(e => e.Message == "expired") == true =>
                (StatusCodes.Status403Forbidden, "expired", "Link expired", outcome.Detail),
            DecisionResult.Suspended => (StatusCodes.Status409Conflict, "suspended", "Run suspended", outcome.Detail),
            DecisionResult.Unauthorized => (StatusCodes.Status401Unauthorized, "invalid-link", "Link not valid", "This link is not valid for this gate. Use the link from your latest notification."),
            DecisionResult.Invalid or DecisionResult.SnapshotMismatch =>
                (outcome.Result == DecisionResult.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict, "invalid", "Not recorded",
                    outcome.Detail + ": " + string.Join("; ", (outcome.Errors ?? []).Select(e => $"{e.Field} {e.Message}"))),
            DecisionResult.Forbidden => (StatusCodes.Status403Forbidden, "forbidden", "Not allowed", outcome.Detail),
            DecisionResult.Finished => (StatusCodes.Status410Gone, "finished", "Run finished", outcome.Detail),
            _ => (StatusCodes.Status404NotFound, "not-found", "Not found", outcome.Detail),
        };

        var html = new StringBuilder();
        Header(html, title);
        html.Append(CultureInfo.InvariantCulture, $"<p id=\"result\" data-result=\"{id}\">{E(detail)}</p>");
        return Page(html, status);
    }

    static string Verb(string decision) => decision switch
    {
        Decisions.Approve => "Approved",
        Decisions.Reject => "Rejected",
        _ => "Changes requested",
    };

    static void Header(StringBuilder html, string title) => html
        .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
        .Append(CultureInfo.InvariantCulture, $"<title>{E(title)}</title><style>{Style}</style></head><body><h1>{E(title)}</h1>");

    static void Row(StringBuilder html, string name, string value) => html.Append(CultureInfo.InvariantCulture, $"<dt>{E(name)}</dt><dd>{E(value)}</dd>");

    static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>
    /// No script may run (a snapshot is model output), the page may not be framed (clickjacking), the link's token
    /// never leaves in a Referer, and neither the page nor its token is cached.
    /// </summary>
    static IResult Page(StringBuilder html, int status) => new HtmlPage(html.Append("</body></html>").ToString(), status);

    const string Style =
        "body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}" +
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}" +
        "pre{white-space:pre-wrap;word-break:break-word;background:#f4f5f7;padding:.6rem;border-radius:4px}" +
        ".path{font-family:monospace;color:#555}fieldset{margin:1rem 0}label{display:block;margin:.3rem 0}" +
        "textarea{width:100%}.actions button{margin:.8rem .6rem 0 0;padding:.5rem 1rem}" +
        "form:invalid button.approve{opacity:.45;pointer-events:none}";

    sealed class HtmlPage(string html, int status) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            HttpResponse response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.CacheControl = "no-store";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.XFrameOptions = "DENY";
            return response.WriteAsync(html, httpContext.RequestAborted);
        }
    }
}
