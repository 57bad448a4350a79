namespace AgentFunctions.Agents;

/// <summary>One page of <c>GET /api/agents</c>; <see cref="Cursor"/> continues after it.</summary>
internal sealed record AgentDefinitionPage(IReadOnlyList<StoredAgentDefinition> Agents, string? Cursor);
