namespace AgentFunctions.Knowledge;

/// <summary>A document's current generation and its chunk count.</summary>
internal sealed record KnowledgePointer(string Generation, int Chunks);
