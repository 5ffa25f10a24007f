using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Api;
using StreamCanvas.Hosting;

namespace StreamCanvas.Standalone;

/// <summary>
/// The standalone host's stand-in for function keys on the operator routes: the same x-functions-key header
/// (or code query parameter), checked against Operator:ApiKey. Without a configured key, Development gets a
/// generated one (printed at startup) and any other environment refuses every operator request.
/// </summary>
public sealed partial class OperatorKey
{
    public const string Setting = AppSettingNames.Local.OperatorKey;
    public const string Header = "x-functions-key";
    public const string QueryParameter = "code";

    readonly byte[]? expected;
    readonly bool generated;

    public OperatorKey(IConfiguration configuration, IHostEnvironment environment)
    {
        string? key = configuration[Setting] is { Length: > 0 } configured ? configured : null;
        if (key is null && environment.IsDevelopment())
        {
            key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            generated = true;
        }

        Value = key;
        expected = key is null ? null : Encoding.UTF8.GetBytes(key);
    }

    /// <summary>The key in force, or null when operator routes are closed.</summary>
    public string? Value { get; }

    /// <summary>Null when the request carries the key; otherwise the 401 to answer with.</summary>
    public IResult? Check(HttpRequest request)
    {
        if (expected is null)
        {
            return Unauthorized($"operator routes are closed: {Setting} is not configured");
        }

        // In the query only for reads: a cross-site page can send a simple POST with ?code= and no preflight.
        string given = request.Headers[Header].ToString() is { Length: > 0 } header ? header
            : HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ? request.Query[QueryParameter].ToString() : "";
        if (given.Length == 0)
        {
            return Unauthorized($"send the operator key in the {Header} header (a ?{QueryParameter}= query is accepted only on GET)");
        }

        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(given)) ? null : Unauthorized("the operator key is not valid");
    }

    public void LogStartup(ILogger logger)
    {
        if (Value is null)
        {
            LogClosed(logger, Setting);
        }
        else if (generated)
        {
            LogGenerated(logger, Setting, Header, Value);
        }
    }

    static IResult Unauthorized(string detail) => Problems.Of(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not configured: operator routes answer 401 until it is")]
    static partial void LogClosed(ILogger logger, string setting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not configured; for this Development session operator requests use {Header}: {Key}")]
    static partial void LogGenerated(ILogger logger, string setting, string header, string key);
}
