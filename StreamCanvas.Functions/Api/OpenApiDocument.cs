using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Api;

/// <summary>
/// GET /api/openapi.json: the hand-written description kept next to the handlers (Api/openapi.json), embedded
/// so both hosts serve the same bytes. A test checks it lists every HTTP trigger's route and method.
/// </summary>
public static class OpenApiDocument
{
    public const string ResourceName = "StreamCanvas.Api.openapi.json";

    static readonly Lazy<string> Json = new(() =>
    {
        using Stream stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Text => Json.Value;

    public static IResult Serve() => Results.Text(Json.Value, "application/json");
}
