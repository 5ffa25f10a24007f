using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace StreamCanvas.Tests.Support;

/// <summary>Executes an IResult the way ASP.NET Core would and returns what a client would receive.</summary>
public static class ResultExecutor
{
    static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    public static DefaultHttpContext NewContext(string method = "POST", string path = "/api/x", string? body = null, string? contentType = "application/json")
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost", 7071);
        context.Request.Path = path;
        context.Request.ContentType = contentType;
        if (body is not null)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    public static async Task<(int Status, IHeaderDictionary Headers, JsonNode? Body)> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        string text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return (context.Response.StatusCode, context.Response.Headers, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
