using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Knowledge;

/// <summary>Chunking, limits and retrieval settings (<c>Knowledge__*</c>).</summary>
internal sealed class KnowledgeOptions : IValidatableObject
{
    public const string Section = "Knowledge";

    /// <summary>Largest chunk, in characters (about 4 characters per token for English text).</summary>
    [Range(100, 8000, ErrorMessage = "Knowledge__ChunkSize must be between 100 and 8000 characters.")]
    public int ChunkSize { get; set; } = 1500;

    /// <summary>Characters the next chunk repeats from the end of the previous one.</summary>
    [Range(0, 3999, ErrorMessage = "Knowledge__ChunkOverlap must be between 0 and 3999 characters.")]
    public int ChunkOverlap { get; set; } = 200;

    /// <summary>Longest accepted document content; longer is refused with 413.</summary>
    [Range(1, 5_000_000, ErrorMessage = "Knowledge__MaxDocumentCharacters must be between 1 and 5000000.")]
    public int MaxDocumentCharacters { get; set; } = 500_000;

    /// <summary>Chunks sent to the embedding model per request.</summary>
    [Range(1, 2048, ErrorMessage = "Knowledge__EmbeddingBatchSize must be between 1 and 2048.")]
    public int EmbeddingBatchSize { get; set; } = 64;

    /// <summary>Chunks retrieved automatically for each agent run (0 switches automatic retrieval off).</summary>
    [Range(0, 20, ErrorMessage = "Knowledge__RetrievalTop must be between 0 and 20.")]
    public int RetrievalTop { get; set; } = 4;

    /// <summary>Most chunks one org may hold; a document that would exceed it is refused with 413.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Knowledge__MaxChunksPerOrg must be between 1 and 10000000.")]
    public int MaxChunksPerOrg { get; set; } = 50_000;

    /// <summary>Memory this instance may hold for the embedded store's per-org search indexes, across all orgs (LRU).</summary>
    [Range(1, 1_048_576, ErrorMessage = "Knowledge__CacheMegabytes must be between 1 and 1048576.")]
    public int CacheMegabytes { get; set; } = 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ChunkOverlap * 2 >= ChunkSize)
        {
            yield return new ValidationResult(
                "Knowledge__ChunkOverlap must be less than half of Knowledge__ChunkSize.", [nameof(ChunkOverlap)]);
        }
    }
}
