using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentFunctions.Mcp;

/// <summary>
/// An agent tool served over MCP: the agent's tools answer a refusal as <c>{"error", "detail"}</c> (so the model can
/// correct itself), which over MCP is a tool error, so such a result is marked <c>isError</c>.
/// </summary>
internal sealed class ErrorResultTool(McpServerTool inner) : DelegatingMcpServerTool(inner)
{
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var result = await base.InvokeAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.IsError is not true && result.Content is [TextContentBlock { Text: var text }] && IsErrorObject(text))
        {
            result.IsError = true;
        }

        return result;
    }

    internal static bool IsErrorObject(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
