using ModelContextProtocol.Client;

namespace AgentFunctions.EndToEndTests.Mcp;

/// <summary>The MCP SDK's client on an org's <c>/api/mcp</c>, with the org key as bearer credential (what MCP hosts send).</summary>
internal static class OrgMcp
{
    public static async Task<McpClient> ConnectAsync(Uri host, string? apiKey)
    {
        var headers = apiKey is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = $"Bearer {apiKey}" };
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(host, "api/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return await McpClient.CreateAsync(transport);
    }
}
