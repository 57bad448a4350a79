using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

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
