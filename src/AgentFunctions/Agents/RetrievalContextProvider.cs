using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Knowledge retrieval of every framework agent: each <see cref="IAgentContextProvider"/> (the org's knowledge) is asked
/// once per run with the run's query; its messages go right after the instructions (before the conversation's memory),
/// its citations into the run's scope. The run starts the asking when it is prepared (<see cref="AgentTurn.StartRetrieval"/>:
/// after validation, the agent's lookup and the quota check), so it runs while the history provider loads the window;
/// this provider, which runs after the history provider, awaits it: a failed retrieval (the embedding model down) fails
/// the run before the model call and before anything is stored. A run refused for its conversation (another agent's)
/// may therefore have embedded its query: that call is metered like any other. Last in the chain, it records what the
/// model is first sent.
/// </summary>
internal sealed class RetrievalContextProvider(IEnumerable<IAgentContextProvider> providers) : AIContextProvider
{
    protected override async ValueTask<AIContext> InvokingCoreAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        var turn = AgentTurn.Of(context.Session);
        var messages = (context.AIContext.Messages ?? []).ToList();
        var at = messages.TakeWhile(m => m.Role == ChatRole.System).Count();
        foreach (var retrieved in await turn.RetrievedAsync(providers, cancellationToken).ConfigureAwait(false))
        {
            messages.InsertRange(at, retrieved.Messages);
            at += retrieved.Messages.Count;
            turn.Scope.AddCitations(retrieved.Citations);
        }

        turn.SentMessages = messages;
        return new AIContext { Instructions = context.AIContext.Instructions, Messages = messages, Tools = context.AIContext.Tools };
    }
}
