using AgentFunctions.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace AgentFunctions.Mcp;

/// <summary>
/// Connects to an org's remote MCP servers with the SDK's client over one shared <see cref="HttpClient"/> whose every
/// connection passes the SSRF guard (<see cref="McpAddressGuard.ConnectAsync"/>). Each use is its own short session
/// (connect, one request, close): nothing of one org's session outlives the call, and a server that restarted loses
/// nothing. Header values are the org secrets the definition names (Key Vault, or app settings locally), read at connect time.
/// </summary>
internal sealed class RemoteMcpClients : IDisposable
{
    private readonly HttpClient _http;
    private readonly IOrgSecrets _secrets;
    private readonly ILoggerFactory _loggerFactory;

    public RemoteMcpClients(IOptions<McpOptions> options, IOrgSecrets secrets, ILoggerFactory loggerFactory)
    {
        var allowLoopback = options.Value.AllowLoopback;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (context, ct) => McpAddressGuard.ConnectAsync(context, allowLoopback, ct),
            AllowAutoRedirect = false, // a redirect would leave the checked URL
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each use has its own deadline (Mcp__CallTimeout)
        };
        _secrets = secrets;
        _loggerFactory = loggerFactory;
    }

    public async Task<McpClient> ConnectAsync(McpServerDefinition server, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (header, setting) in server.Headers)
        {
            headers[header] = await _secrets.GetAsync(setting, cancellationToken).ConfigureAwait(false);
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = server.Url,
                Name = server.Name,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
            },
            _http,
            _loggerFactory,
            ownsHttpClient: false);
        return await McpClient.CreateAsync(transport, new McpClientOptions(), _loggerFactory, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();
}
