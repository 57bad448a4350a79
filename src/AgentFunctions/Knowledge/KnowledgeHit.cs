namespace AgentFunctions.Knowledge;

/// <summary>A search result: a chunk, where it is in its document, and its score (higher is better; the scale is the backend's).</summary>
internal sealed record KnowledgeHit(string DocumentId, int Chunk, string Title, string Content, double Score, int? Page = null, string? Section = null);
