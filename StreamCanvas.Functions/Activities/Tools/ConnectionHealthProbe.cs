using Microsoft.Extensions.Options;
using StreamCanvas.Definitions.Readiness;

namespace StreamCanvas.Activities.Tools;

/// <summary>
/// GETs a connection's declared health path once, with the connection's headers and no retries: the
/// readiness audit wants to know whether the connection answers now, not whether it eventually would.
/// </summary>
public sealed class ConnectionHealthProbe(IHttpClientFactory httpClientFactory, IOptions<ToolOptions> options)
{
    public const string HttpClientName = "tool-health";

    /// <summary>How long one probe may take before the connection counts as not answering.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthProbe?> ProbeAsync(string connectionName, CancellationToken cancellationToken)
    {
        if (!options.Value.Connections.TryGetValue(connectionName, out ToolConnection? connection) || string.IsNullOrEmpty(connection.HealthPath))
        {
            return null;
        }

        if (!Uri.TryCreate(connection.BaseUrl.TrimEnd('/') + "/" + connection.HealthPath.TrimStart('/'), UriKind.Absolute, out Uri? target))
        {
            return new HealthProbe(false, $"'{connection.BaseUrl}' + '{connection.HealthPath}' is not a URL");
        }

        using var message = new HttpRequestMessage(HttpMethod.Get, target);
        foreach ((string name, string value) in connection.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using HttpResponseMessage response = await httpClientFactory.CreateClient(HttpClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            int status = (int)response.StatusCode;
            return new HealthProbe(response.IsSuccessStatusCode, $"{status} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthProbe(false, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return new HealthProbe(false, ex.Message);
        }
    }
}
