namespace AgentFunctions.Knowledge;

/// <summary>An org's chunk count, and one document's (0 when it has none or none was asked for).</summary>
internal sealed record KnowledgeStats(int OrgChunks, int DocumentChunks);
