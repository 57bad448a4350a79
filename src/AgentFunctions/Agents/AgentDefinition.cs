using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>
/// A named agent of one org (docs/api.md, "Agents"): what it says (<see cref="Instructions"/>), which model settings it
/// overrides, which of the org's tools and agents it may call (<see cref="Tools"/>: null = all of the org's tools, no
/// agents), how much knowledge it retrieves, and the JSON schema its answers follow. Every field left null falls back
/// to the org's own settings.
/// </summary>
internal sealed record AgentDefinition(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("instructions")] string? Instructions = null,
    [property: JsonPropertyName("model")] AgentModelSettings? Model = null,
    [property: JsonPropertyName("tools")] IReadOnlyList<string>? Tools = null,
    [property: JsonPropertyName("knowledge")] AgentKnowledgeSettings? Knowledge = null,
    [property: JsonPropertyName("responseFormat")] JsonElement? ResponseFormat = null,
    [property: JsonPropertyName("compaction")] bool Compaction = false)
{
    /// <summary>The agent every org has; until it is stored it is exactly the org's own settings.</summary>
    public const string DefaultName = "default";

    /// <summary>The names of other agents among <see cref="Tools"/> (those that are agents of the org).</summary>
    public IEnumerable<string> AgentTools(IReadOnlySet<string> agentNames) =>
        Tools?.Where(agentNames.Contains) ?? [];
}
