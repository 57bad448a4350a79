using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Tools the agent may call for an org (knowledge search, data store, ...). Register any number
/// (<c>services.AddSingleton&lt;IAgentToolProvider, MyTools&gt;()</c>); the tools of all providers are offered to
/// the model and run by the function-invocation pipeline. A tool must act only for the org it was created for
/// (capture the <c>orgId</c> it is given; never take the org as a tool argument).
/// </summary>
internal interface IAgentToolProvider
{
    /// <param name="run">This run only: a tool that finds sources adds them with <see cref="AgentRunScope.AddCitations"/>.</param>
    ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken);
}

/// <summary>
/// Context added before the model call (retrieved knowledge): extra system messages, and the citations the answer
/// reports. Register any number; each runs once per run with the org and the user's input.
/// </summary>
internal interface IAgentContextProvider
{
    /// <param name="run">This run only: the agent's own settings for context (<see cref="AgentRunScope.RetrievalTop"/>).</param>
    ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, AgentRunScope run, CancellationToken cancellationToken);
}

/// <summary>What an <see cref="IAgentContextProvider"/> contributes: messages placed after the system prompt, and citations.</summary>
internal sealed record AgentContext(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<Citation> Citations)
{
    public static AgentContext Empty { get; } = new([], []);
}

/// <summary>
/// What one agent run collects while it runs: the citations of context providers and of tool calls, deduplicated by
/// document (the first title seen wins), in the order first seen. Made per run and handed explicitly to the tools
/// created for that run, so nothing leaks between runs. Safe for tools running concurrently.
/// </summary>
internal sealed class AgentRunScope
{
    private readonly List<Citation> _citations = [];

    /// <summary>How many knowledge chunks the running agent retrieves (null: the app's <c>Knowledge__RetrievalTop</c>; 0: none).</summary>
    public int? RetrievalTop { get; init; }
    private readonly HashSet<string> _documents = new(StringComparer.Ordinal);

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
                if (_documents.Add(citation.DocumentId))
                {
                    _citations.Add(citation);
                }
            }
        }
    }
}
