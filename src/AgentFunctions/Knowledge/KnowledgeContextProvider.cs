using System.Text;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Automatic retrieval: the org's top <c>Knowledge__RetrievalTop</c> (or the agent's <c>knowledge.retrievalTop</c>) chunks for the run's input, as one system message
/// listing numbered sources (one JSON object per line) after the framing that marks them as reference material.
/// No chunks (an empty knowledge base: no embedding call either) or <c>RetrievalTop</c> 0: no message and no citations.
/// </summary>
internal sealed class KnowledgeContextProvider(KnowledgeRetrieval retrieval, IOptions<KnowledgeOptions> options) : IAgentContextProvider
{
    public async ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, AgentRunScope run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var top = run.RetrievalTop ?? options.Value.RetrievalTop;
        if (top == 0)
        {
            return AgentContext.Empty;
        }

        var hits = await retrieval.SearchAsync(orgId, input, top, cancellationToken).ConfigureAwait(false);
        if (hits.Count == 0)
        {
            return AgentContext.Empty;
        }

        var text = new StringBuilder(KnowledgeSource.Framing).Append("\n\nSources, one JSON object per line:\n");
        foreach (var source in KnowledgeSource.From(hits))
        {
            text.Append(JsonSerializer.Serialize(source, KnowledgeSource.Json)).Append('\n');
        }

        return new AgentContext([new ChatMessage(ChatRole.System, text.ToString())], KnowledgeSource.Citations(hits));
    }
}
