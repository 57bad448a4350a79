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

    /// <summary>The running summary of the messages before the window (null: none yet).</summary>
    public RunningSummary? Summary => Version?.Summary;

    /// <summary>
    /// Messages older than <see cref="Messages"/> that <see cref="Summary"/> does not cover yet, oldest first (only with a
    /// <see cref="ContextWindow.Backlog"/>; the newest of them when there are more): what a failed summary left to fold.
    /// </summary>
    public IReadOnlyList<ConversationMessage> Backlog { get; init; } = [];

    /// <summary>The seq of the first message of <see cref="Backlog"/> (else of <see cref="Messages"/>): the newest message has seq MessageCount - 1.</summary>
    public long FirstSeq => (Version?.MessageCount ?? 0) - Messages.Count - Backlog.Count;
}
