using System.Text.Json.Serialization;

namespace AgentFunctions.Mcp;

/// <summary>
/// One remote MCP server an org's agents use (docs/api.md, "Remote MCP servers"). <see cref="Headers"/> maps a header
/// name to the app setting that holds its value (<c>ORGKEY_*</c>); the value itself is never stored or returned.
/// </summary>
internal sealed record McpServerDefinition(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] Uri Url,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers,
    [property: JsonPropertyName("allowedTools")] IReadOnlyList<string>? AllowedTools);
