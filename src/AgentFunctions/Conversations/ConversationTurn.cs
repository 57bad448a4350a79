namespace AgentFunctions.Conversations;

/// <summary>A stored user + assistant pair. <see cref="TurnId"/> makes the append idempotent (e.g. a job id).</summary>
internal sealed record ConversationTurn(string? TurnId, ConversationMessage User, ConversationMessage Assistant)
{
    /// <summary>Optional: the <see cref="ConversationHistory.Version"/> the turn was computed from (saves one read per turn).</summary>
    public ConversationVersion? BasedOn { get; init; }

    /// <summary>The agent that ran the turn; recorded on the conversation by its first turn (null: <c>default</c>).</summary>
    public string? Agent { get; init; }
}
