using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>RFC 9457 problem+json responses; every client error names the field at fault.</summary>
public static class Problems
{
    public static IResult Of(int status, string title, string detail, IEnumerable<FieldError>? errors = null, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?>(extra ?? new Dictionary<string, object?>());
        if (errors is not null)
        {
            extensions["errors"] = errors.ToList();
        }

        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }

    public static IResult NotFound(string what) => Of(StatusCodes.Status404NotFound, "Not found", what);

    public static IResult BadRequest(string detail, params FieldError[] errors) =>
        Of(StatusCodes.Status400BadRequest, "Invalid request", detail, errors);

    public static IResult Conflict(string detail, IDictionary<string, object?>? extra = null) =>
        Of(StatusCodes.Status409Conflict, "Conflict", detail, extra: extra);
}
