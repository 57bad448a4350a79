using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

/// <summary>A document's fields that every one of its chunks carries.</summary>
/// <param name="Metadata">The caller's metadata as compact JSON, or null.</param>
internal sealed record KnowledgeDocument(string DocumentId, string Title, string? Metadata);

/// <summary>One chunk of a document, numbered from 0, with its embedding.</summary>
internal sealed record KnowledgeChunk(int Number, string Content, ReadOnlyMemory<float> Embedding);

/// <summary>A search result: a chunk and its score (higher is better; the scale is the backend's).</summary>
internal sealed record KnowledgeHit(string DocumentId, int Chunk, string Title, string Content, double Score);

/// <summary>
/// The vector index of every org's knowledge. Every method takes the org, and nothing it does reads,
/// returns or removes a chunk of another org. Document ids must satisfy
/// <see cref="Identifiers.IsResourceId"/> (an <see cref="ArgumentException"/> otherwise, before any I/O).
/// </summary>
internal interface IKnowledgeStore
{
    /// <summary>
    /// Stores the chunks as the document's only content: chunks with the same numbers are overwritten,
    /// chunks of an earlier version that the new one no longer has are removed.
    /// </summary>
    Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the document in this org; false when it had none.</summary>
    Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="top"/> chunks of this org, best first.</summary>
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int top, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the org (offboarding); safe to call again after an interruption.</summary>
    Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken);
}

internal static class KnowledgeArguments
{
    public const int MaxTop = 50;

    public static void DocumentId(string documentId)
    {
        if (!Identifiers.IsResourceId(documentId))
        {
            throw new ArgumentException("The document id is not a valid resource id.", nameof(documentId));
        }
    }

    public static void Top(int top)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, MaxTop);
    }

    public static void Chunks(IReadOnlyList<KnowledgeChunk> chunks)
    {
        for (var i = 0; i < chunks.Count; i++)
        {
            if (chunks[i].Number != i)
            {
                throw new ArgumentException("Chunks must be numbered 0, 1, 2, ... in order.", nameof(chunks));
            }
        }
    }
}
