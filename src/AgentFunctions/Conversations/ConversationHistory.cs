namespace AgentFunctions.Conversations;

/// <summary>
/// The recent history of a conversation, oldest first; <see cref="Exists"/> is false for a new conversation.
/// <see cref="Version"/> is the state the history was read at: pass it on as <see cref="ConversationTurn.BasedOn"/>
/// so the append needs no read of its own (it re-reads only if another turn came in between).
/// </summary>
internal sealed record ConversationHistory(bool Exists, IReadOnlyList<ConversationMessage> Messages, ConversationVersion? Version = null)
{
    /// <summary>The agent the conversation was started with (null: <c>default</c>, or a new conversation).</summary>
    public string? Agent => Version?.Agent;
}
