using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Conversation memory of every framework agent, on our Table-backed conversation store (partitioned by org): before
/// the model call the window of the run's conversation (one bounded query, O(window), never O(conversation)), after a
/// successful call the turn (user input + answer) appended in one ETag transaction on the head row, idempotent by turn
/// id and based on the version the window was read at. The framework's default merge (all history before all request
/// messages) is replaced by <see cref="Arrange"/>: the agent's instructions stay first.
/// One instance serves all runs: everything per run comes from the run's <see cref="AgentTurn"/>.
/// </summary>
internal sealed class TableChatHistoryProvider(IConversationStore conversations, ConversationCompactor compactor, TimeProvider time) : ChatHistoryProvider
{
    protected override async ValueTask<IEnumerable<ChatMessage>> InvokingCoreAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        var turn = AgentTurn.Of(context.Session);
        var history = turn.ConversationId is null ? new ConversationHistory(false, [])
            : turn.NewConversation ? new ConversationHistory(false, [], ConversationVersion.New(turn.ConversationId))
            : await conversations.LoadHistoryAsync(turn.OrgId, turn.ConversationId, turn.Window, cancellationToken).ConfigureAwait(false);
        if (history.Exists && (history.Agent ?? AgentDefinition.DefaultName) != turn.Agent)
        {
            throw ApiException.Conflict($"Conversation '{turn.ConversationId}' was started with agent '{history.Agent ?? AgentDefinition.DefaultName}'; it cannot be continued with agent '{turn.Agent}'.");
        }

        turn.History = history;
        return Arrange(context.RequestMessages, history);
    }

    /// <summary>
    /// What the model is sent: the request's leading system messages (the agent's instructions, then the client's), then
    /// the conversation's memory (<see cref="Memory"/>), then the rest of the request.
    /// </summary>
    internal static List<ChatMessage> Arrange(IEnumerable<ChatMessage> request, ConversationHistory history)
    {
        var messages = request.ToList();
        var instructions = messages.TakeWhile(m => m.Role == ChatRole.System).Count();
        messages.InsertRange(instructions, Memory(history));
        return messages;
    }

    /// <summary>
    /// The conversation's memory as the model reads it: the one place that turns what the store's window load returned
    /// into messages: the running summary of older turns first (<see cref="ConversationCompactor.Memory"/>), then the window's
    /// messages, oldest first.
    /// </summary>
    internal static IEnumerable<ChatMessage> Memory(ConversationHistory history) => ConversationCompactor.Memory(history);

    protected override async ValueTask InvokedCoreAsync(InvokedContext context, CancellationToken cancellationToken = default)
    {
        var turn = AgentTurn.Of(context.Session);
        if (context.InvokeException is not null || context.ResponseMessages is not { } response || !turn.Accepts(new ChatResponse([.. response])))
        {
            return;
        }

        var user = new ConversationMessage(MessageRole.User, turn.TurnInput, turn.StartedAt);
        var assistant = new ConversationMessage(MessageRole.Assistant, new ChatResponse([.. response]).Text, time.GetUtcNow());
        var summary = turn is { Summarizer: { } summarizer, History: { } history }
            ? await compactor.FoldAsync(summarizer, turn, history, user, assistant, cancellationToken).ConfigureAwait(false)
            : null;
        var stored = new ConversationTurn(turn.TurnId, user, assistant)
        {
            Agent = turn.Agent,
            // The head's version from the window read: the append needs no second read unless another turn landed meanwhile.
            BasedOn = turn.HistoryVersion,
            // Stored in the append's own transaction, under the same ETag.
            Summary = summary,
        };
        try
        {
            turn.Appended = await conversations.AppendTurnAsync(turn.OrgId, turn.ConversationId!, stored, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            // The model has answered: its tokens are metered before this failure reaches the caller.
            turn.AppendFailure = failure;
        }
    }
}
