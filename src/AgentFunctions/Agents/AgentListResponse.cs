using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>The body of <c>GET /api/agents</c>.</summary>
internal sealed record AgentListResponse(
    [property: JsonPropertyName("agents")] IReadOnlyList<AgentDefinitionResponse> Agents,
    [property: JsonPropertyName("cursor")] string? Cursor)
{
    public static AgentListResponse From(AgentDefinitionPage page) => new([.. page.Agents.Select(AgentDefinitionResponse.From)], page.Cursor);
}
