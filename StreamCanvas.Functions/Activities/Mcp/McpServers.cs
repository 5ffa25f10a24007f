using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace StreamCanvas.Activities.Mcp;

/// <summary>
/// Opens an MCP client session to a configured server over streamable HTTP, with its headers and API key. One
/// session per activity: each activity is one durable step that may run on any host, so nothing is kept between.
/// </summary>
public sealed class McpServers(IOptions<McpOptions> options, IHttpClientFactory httpClientFactory)
{
    public const string HttpClientName = "mcp";

    /// <summary>The longest one listing or one tool call may take, connection included.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A connected client, or null when the server is not configured.</summary>
    public async Task<McpClient?> ConnectAsync(string server, CancellationToken cancellationToken)
    {
        if (!options.Value.Servers.TryGetValue(server, out McpServerConnection? connection) ||
            !Uri.TryCreate(connection.Endpoint, UriKind.Absolute, out Uri? endpoint))
        {
            return null;
        }

        var headers = new Dictionary<string, string>(connection.Headers, StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(connection.ApiKey))
        {
            headers["Authorization"] = $"Bearer {connection.ApiKey}";
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp, Name = server, AdditionalHeaders = headers },
            httpClientFactory.CreateClient(HttpClientName),
            // No logger: the SDK's transport logs at debug what it sends, and the headers are secrets.
            NullLoggerFactory.Instance,
            ownsHttpClient: true);
        var client = new McpClientOptions { ClientInfo = new Implementation { Name = "StreamCanvas", Version = "1.0" } };
        return await McpClient.CreateAsync(transport, client, NullLoggerFactory.Instance, cancellationToken);
    }
}
