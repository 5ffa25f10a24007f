using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities;

/// <summary>
/// Runs a tool step: one HTTP call to an allow-listed connection through a resilient client (retries of
/// transient failures for safe methods, per-attempt timeout, circuit breaker per host).
/// </summary>
public sealed partial class ToolStepActivity(IHttpClientFactory httpClientFactory, IOptions<ToolOptions> options, ILogger<ToolStepActivity> logger)
    : IDurableActivity<ToolStepRequest, StepOutcome>
{
    public async Task<StepOutcome> RunAsync(ToolStepRequest request, CancellationToken cancellationToken)
    {
        ToolOptions settings = options.Value;
        string step = request.Step.StepId;
        if (!settings.Connections.TryGetValue(request.Connection, out ToolConnection? connection) ||
            !Uri.TryCreate(connection.BaseUrl.TrimEnd('/') + "/", UriKind.Absolute, out Uri? baseUri))
        {
            return StepOutcome.Failure(FailureReasons.ToolNotAllowed, $"step '{step}': connection '{request.Connection}' is not configured (Tools:Connections:{request.Connection}:BaseUrl)", retryable: false);
        }

        var target = new Uri(baseUri, request.Path.TrimStart('/'));
        if (!target.AbsoluteUri.StartsWith(baseUri.AbsoluteUri, StringComparison.Ordinal))
        {
            return StepOutcome.Failure(FailureReasons.ToolNotAllowed, $"step '{step}': path '{request.Path}' leaves the connection's base URL", retryable: false);
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        foreach ((string name, string value) in connection.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (request.Body is not null)
        {
            message.Content = JsonContent.Create(request.Body);
        }

        if (ToolIdempotency.IsUnsafe(message.Method) && !message.Headers.Contains(ToolIdempotency.Header))
        {
            message.Headers.Add(ToolIdempotency.Header, ToolIdempotency.KeyFor(request.Step));
        }

        // An agent's tool call is an execute_tool span (OpenTelemetry GenAI conventions) around its HTTP call.
        using Activity? span = request.AgentTool is { } invoked ? ModelTelemetry.StartToolSpan(invoked.Name, invoked.CallId, ModelTelemetry.FunctionTool) : null;
        StepOutcome outcome = await CallAsync(request, message, target, settings, cancellationToken);
        if (outcome.Error is { } error)
        {
            ModelTelemetry.MarkFailed(span, error);
        }

        return outcome;
    }

    async Task<StepOutcome> CallAsync(ToolStepRequest request, HttpRequestMessage message, Uri target, ToolOptions settings, CancellationToken cancellationToken)
    {
        string step = request.Step.StepId;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(request.TimeoutSeconds ?? settings.DefaultTimeoutSeconds));
        long started = Stopwatch.GetTimestamp();
        string call = $"{request.Method} {target.AbsolutePath}";
        try
        {
            using HttpResponseMessage response = await httpClientFactory.CreateClient(ToolOptions.HttpClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            string? body = await ReadBodyAsync(response, settings.MaxResponseBytes, timeout.Token);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            int status = (int)response.StatusCode;
            LogToolCalled(request.Step.InstanceId, step, call, status, elapsed);
            if (status is >= 300 and < 400 && !IsExpected(status, request.ExpectStatus))
            {
                // Not followed: a redirect would carry the connection's headers (its API key) to whatever host it names.
                string to = response.Headers.Location is { IsAbsoluteUri: true } location ? location.Host : target.Host;
                return StepOutcome.Failure(FailureReasons.ToolRedirect, $"step '{step}': {call} answered {status}, a redirect to {to}; redirects are not followed", retryable: true)
                    with { Status = status, DurationMilliseconds = elapsed };
            }

            if (body is null)
            {
                // A cut body would be a wrong output that looks right: fail the step instead, naming the limit.
                return StepOutcome.Failure(FailureReasons.ToolResponseTooLarge,
                    $"step '{step}': {call} returned more than {settings.MaxResponseBytes} bytes (Tools:MaxResponseBytes)", retryable: false)
                    with { Status = status, DurationMilliseconds = elapsed };
            }

            if (IsExpected(status, request.ExpectStatus))
            {
                return new StepOutcome { Output = ParseBody(body), Status = status, DurationMilliseconds = elapsed };
            }

            bool transient = status is 408 or 429 or >= 500;
            StepOutcome failed = StepOutcome.Failure(FailureReasons.ToolError, $"step '{step}': {call} returned {status} {response.ReasonPhrase}: {Shorten(body)}", transient)
                with { Status = status, DurationMilliseconds = elapsed };

            // A rate-limited or unavailable tool says when to come back; the step's retry waits that long, as for a model.
            return status is 429 or 503 && RetryAfter.From(response) is { } wait
                ? failed with { Error = failed.Error! with { RetryAfterSeconds = wait.TotalSeconds } }
                : failed;
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return StepOutcome.Failure(FailureReasons.ToolTimeout, $"step '{step}': {call} timed out", retryable: true)
                with { DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
        }
        catch (HttpRequestException ex)
        {
            return StepOutcome.Failure(FailureReasons.ToolError, $"step '{step}': {call} failed: {ex.Message}", retryable: true)
                with { DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException ex)
        {
            return StepOutcome.Failure(FailureReasons.ToolError, $"step '{step}': {call} not attempted, circuit open: {ex.Message}", retryable: true);
        }
    }

    static bool IsExpected(int status, IReadOnlyList<int> expected) =>
        expected.Count == 0 ? status is >= 200 and < 300 : expected.Contains(status);

    /// <summary>The body as text, or null when it is larger than <paramref name="maxBytes"/> (one byte more is read to know).</summary>
    static async Task<string?> ReadBodyAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            return null;
        }

        await using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[maxBytes + 1];
        int total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total, buffer.Length - total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total > maxBytes ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>JSON bodies become the step output as they are; anything else is wrapped as { text }.</summary>
    static JsonNode? ParseBody(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return new JsonObject { ["text"] = body };
        }
    }

    static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} step {StepId}: {Call} returned {Status} in {Milliseconds:F0} ms")]
    partial void LogToolCalled(string instanceId, string stepId, string call, int status, double milliseconds);
}
