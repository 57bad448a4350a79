using System.ComponentModel;
using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The <c>search_knowledge</c> tool: a search of the run's org (captured when the tool is made; the model can only
/// choose the query). What it finds is added to the run's citations.
/// </summary>
internal sealed class KnowledgeToolProvider(KnowledgeRetrieval retrieval) : IAgentToolProvider
{
    public const string ToolName = "search_knowledge";

    /// <summary>Chunks one tool call returns.</summary>
    public const int ToolTop = 5;

    private const string Description =
        "Searches this organization's knowledge base and returns the best matching passages with their document id and title. " +
        "Use it when the question needs facts the conversation does not already contain.";

    public ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tool = AIFunctionFactory.Create(
            ([Description("What to look for, in words likely to appear in the passages.")] string query, CancellationToken ct) => SearchAsync(orgId, run, query, ct),
            new AIFunctionFactoryOptions { Name = ToolName, Description = Description });
        return ValueTask.FromResult<IReadOnlyList<AITool>>([tool]);
    }

    /// <summary>What the model gets back: the framing and the numbered sources, or a problem it can correct.</summary>
    internal async Task<KnowledgeToolResult> SearchAsync(OrgId orgId, AgentRunScope run, string? query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return new KnowledgeToolResult(null, [], "'query' is required and must not be empty.");
        }

        var hits = await retrieval.SearchAsync(orgId, query, ToolTop, cancellationToken).ConfigureAwait(false);
        run.AddCitations(KnowledgeSource.Citations(hits));
        return new KnowledgeToolResult(KnowledgeSource.Framing, KnowledgeSource.From(hits), null);
    }
}
