using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>Reads a JSON request body with the checks every route shares: content type, size, syntax.</summary>
public static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Returns the parsed body, or a problem response saying what is wrong with it.</summary>
    public static async Task<(JsonNode? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long declared && declared > MaxBytes)
        {
            return (null, TooLarge());
        }

        // Exactly application/json (parameters such as charset aside): any other type, "text/plain;x=+json" included,
        // is one a cross-site page can send without a CORS preflight.
        string? contentType = request.ContentType;
        if (!IsJson(contentType))
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the body as application/json (got '{contentType ?? "none"}')", [new FieldError("Content-Type", "must be application/json")]));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, Problems.BadRequest("the request body is empty; send a JSON object", new FieldError("", "required")));
        }

        try
        {
            JsonNode? body = JsonNode.Parse(buffer.ToArray());
            return InputLimits.Check(body, "") is { } shape
                ? (null, Problems.BadRequest($"the body is nested more than {InputLimits.MaxDepth} levels deep", shape))
                : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest($"the body is not valid JSON: {ex.Message}",
                new FieldError(ex.Path ?? "", $"syntax error at line {(ex.LineNumber ?? 0) + 1}, byte {ex.BytePositionInLine ?? 0}")));
        }
    }

    public static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) &&
        parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The 413 for a body over <see cref="MaxBytes"/>.</summary>
    public static IResult TooLarge() => Problems.Of(StatusCodes.Status413PayloadTooLarge, "Payload too large",
        $"the body is larger than {MaxBytes} bytes", [new FieldError("", $"at most {MaxBytes} bytes")]);
}
