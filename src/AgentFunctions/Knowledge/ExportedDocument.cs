namespace AgentFunctions.Knowledge;

/// <summary>A stored document as exported: its fields and its chunks' text, in chunk order.</summary>
internal sealed record ExportedDocument(string DocumentId, string Title, string? Metadata, IReadOnlyList<string> Chunks);
