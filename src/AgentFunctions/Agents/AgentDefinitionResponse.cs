using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>An agent as <c>GET /api/agents/{name}</c> answers it; <see cref="Stored"/> is false for <c>default</c> while it is the org's own settings.</summary>
internal sealed record AgentDefinitionResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("instructions")] string? Instructions,
    [property: JsonPropertyName("model")] AgentModelSettings? Model,
    [property: JsonPropertyName("tools")] IReadOnlyList<string>? Tools,
    [property: JsonPropertyName("knowledge")] AgentKnowledgeSettings? Knowledge,
    [property: JsonPropertyName("responseFormat")] JsonElement? ResponseFormat,
    [property: JsonPropertyName("compaction")] bool Compaction,
    [property: JsonPropertyName("stored")] bool Stored,
    [property: JsonPropertyName("etag")] string? ETag,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset? UpdatedAt)
{
    public static AgentDefinitionResponse From(StoredAgentDefinition agent)
    {
        var d = agent.Definition;
        return new(d.Name, d.Description, d.Instructions, d.Model, d.Tools, d.Knowledge, d.ResponseFormat, d.Compaction, agent.Stored, agent.ETag, agent.UpdatedAt);
    }
}
