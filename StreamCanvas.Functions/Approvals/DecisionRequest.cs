using System.Text.Json;
using System.Text.Json.Nodes;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>
/// The body of POST /api/approvals/{instanceId}/{gateId}, checked field by field against the gate. The approver is
/// not read from it: it is the identity the link's token was issued to (an "approver" field in the body is ignored).
/// </summary>
public sealed record DecisionRequest(string Decision, string Approver, string? Comment, IReadOnlyDictionary<string, bool> Criteria, string SnapshotHash)
{
    public const int MaxApproverLength = 256;
    public const int MaxCommentLength = 4000;

    /// <summary>The request, or every field at fault (JSON Pointers) when it is not one.</summary>
    public static (DecisionRequest? Request, IReadOnlyList<FieldError> Errors) Parse(JsonNode? body, IReadOnlyList<string>? gateCriteria, string approver)
    {
        if (body is not JsonObject fields)
        {
            return (null, [new FieldError("", "expected a JSON object")]);
        }

        var errors = new List<FieldError>();
        string? decision = Text(fields, "decision", errors, required: true, MaxApproverLength);
        string? comment = Text(fields, "comment", errors, required: decision == Decisions.RequestChanges, MaxCommentLength);
        string? hash = Text(fields, "snapshotHash", errors, required: true, 128);
        if (decision is not null && !Decisions.All.Contains(decision))
        {
            errors.Add(new FieldError("/decision", $"must be one of {string.Join(", ", Decisions.All)}"));
        }

        var criteria = new Dictionary<string, bool>();
        if (fields["criteria"] is JsonObject answers)
        {
            foreach ((string name, JsonNode? answer) in answers)
            {
                if (gateCriteria is not null && !gateCriteria.Contains(name))
                {
                    errors.Add(new FieldError($"/criteria/{Pointer(name)}", "is not one of the gate's criteria"));
                }
                else if (answer?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    criteria[name] = answer.GetValue<bool>();
                }
                else
                {
                    errors.Add(new FieldError($"/criteria/{Pointer(name)}", "must be true or false"));
                }
            }
        }
        else if (fields["criteria"] is not null)
        {
            errors.Add(new FieldError("/criteria", "must be an object of criterion: true|false"));
        }

        // An approval confirms the checklist item by item; a rejection may leave items unanswered.
        if (decision == Decisions.Approve)
        {
            foreach (string criterion in (gateCriteria ?? []).Where(c => !criteria.GetValueOrDefault(c) && !errors.Any(e => e.Field == $"/criteria/{Pointer(c)}")))
            {
                errors.Add(new FieldError($"/criteria/{Pointer(criterion)}", "must be confirmed (true) to approve"));
            }
        }

        return errors.Count > 0 ? (null, errors) : (new DecisionRequest(decision!, approver, comment, criteria, hash!), errors);
    }

    static string? Text(JsonObject fields, string name, List<FieldError> errors, bool required, int maxLength)
    {
        JsonNode? node = fields[name];
        if (node is null)
        {
            if (required)
            {
                errors.Add(new FieldError($"/{name}", "required"));
            }

            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(node.GetValue<string>()))
        {
            errors.Add(new FieldError($"/{name}", "must be a non-empty string"));
            return null;
        }

        string text = node.GetValue<string>().Trim();
        if (text.Length > maxLength)
        {
            errors.Add(new FieldError($"/{name}", $"at most {maxLength} characters"));
            return null;
        }

        return text;
    }

    /// <summary>Escapes a property name as a JSON Pointer segment (RFC 6901).</summary>
    static string Pointer(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
