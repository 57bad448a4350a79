namespace AgentFunctions.Knowledge;

/// <summary>Each document's current generation in one org at one version (AI Search: which chunks a search may return).</summary>
internal sealed class DocumentGenerations(string version, IReadOnlyDictionary<string, string> generations) : IKnowledgeSnapshot
{
    public string Version { get; } = version;

    public long Bytes { get; } = 64 + generations.Sum(pair => 64L + (2L * (pair.Key.Length + pair.Value.Length)));

    /// <summary>Whether a chunk of <paramref name="documentId"/> written under <paramref name="generation"/> is current.</summary>
    public bool IsCurrent(string documentId, string generation) =>
        generations.TryGetValue(documentId, out var current) && current == generation;
}
