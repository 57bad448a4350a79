namespace AgentFunctions.Knowledge;

/// <summary>One chunk as an org's in-memory index holds it.</summary>
internal sealed record IndexedChunk(string DocumentId, int Chunk, string Title, string Content);
