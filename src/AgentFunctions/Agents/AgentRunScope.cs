namespace AgentFunctions.Agents;

/// <summary>
/// What one agent run collects while it runs: the citations of context providers and of tool calls, deduplicated by
/// place (document, and page or section when known; the first title seen wins), in the order first seen. Made per run and handed explicitly to the tools
/// created for that run, so nothing leaks between runs. Safe for tools running concurrently.
/// </summary>
internal sealed class AgentRunScope
{
    private readonly List<Citation> _citations = [];

    /// <summary>How many knowledge chunks the running agent retrieves (null: the app's <c>Knowledge__RetrievalTop</c>; 0: none).</summary>
    public int? RetrievalTop { get; init; }
    private readonly HashSet<(string DocumentId, int? Page, string? Section)> _places = [];

    public IReadOnlyList<Citation> Citations
    {
        get
        {
            lock (_citations)
            {
                return [.. _citations];
            }
        }
    }

    public void AddCitations(IEnumerable<Citation> citations)
    {
        ArgumentNullException.ThrowIfNull(citations);
        lock (_citations)
        {
            foreach (var citation in citations)
            {
                if (_places.Add((citation.DocumentId, citation.Page, citation.Section)))
                {
                    _citations.Add(citation);
                }
            }
        }
    }
}
