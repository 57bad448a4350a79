using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Knowledge retrieval of every framework agent: each <see cref="IAgentContextProvider"/> (the org's knowledge) is asked
/// once per run with the run's query; its messages go right after the instructions (before the conversation's memory),
/// its citations into the run's scope. It runs after the history provider, so a refused run (a conversation of another
/// agent) never reaches the embedding model. Last in the chain, it records what the model is first sent.
/// </summary>
internal sealed class RetrievalContextProvider(IEnumerable<IAgentContextProvider> providers) : AIContextProvider
{
    protected override async ValueTask<AIContext> InvokingCoreAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        var turn = AgentTurn.Of(context.Session);
        var messages = (context.AIContext.Messages ?? []).ToList();
        if (!string.IsNullOrWhiteSpace(turn.Query))
        {
            var at = messages.TakeWhile(m => m.Role == ChatRole.System).Count();
            foreach (var provider in providers)
            {
                var retrieved = await provider.GetContextAsync(turn.OrgId, turn.Query, turn.Scope, cancellationToken).ConfigureAwait(false);
                messages.InsertRange(at, retrieved.Messages);
                at += retrieved.Messages.Count;
                turn.Scope.AddCitations(retrieved.Citations);
            }
        }

        turn.SentMessages = messages;
        return new AIContext { Instructions = context.AIContext.Instructions, Messages = messages, Tools = context.AIContext.Tools };
    }
}
