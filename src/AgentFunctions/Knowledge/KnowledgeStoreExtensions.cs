using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

internal static class KnowledgeStoreExtensions
{
    /// <summary>A search with a query vector at hand (empty: lexical).</summary>
    public static Task<IReadOnlyList<KnowledgeHit>> SearchAsync(this IKnowledgeStore store, OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int top, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.SearchAsync(orgId, queryText, _ => Task.FromResult(queryVector), top, cancellationToken);
    }
}
