namespace AgentFunctions.Knowledge;

/// <summary>A document's fields that every one of its chunks carries.</summary>
/// <param name="Metadata">The caller's metadata as compact JSON, or null.</param>
internal sealed record KnowledgeDocument(string DocumentId, string Title, string? Metadata);
