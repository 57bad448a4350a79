namespace AgentFunctions.Knowledge;

/// <summary>One chunk of a document, numbered from 0, with its embedding and where it is (PDF page, heading path; see <see cref="DocumentSection"/>).</summary>
internal sealed record KnowledgeChunk(int Number, string Content, ReadOnlyMemory<float> Embedding, int? Page = null, string? Section = null);
