namespace AgentFunctions.Conversations;

/// <summary>A stored user + assistant pair. <see cref="TurnId"/> makes the append idempotent (e.g. a job id).</summary>
internal sealed record ConversationTurn(string? TurnId, ConversationMessage User, ConversationMessage Assistant)
{
    /// <summary>Optional: the <see cref="ConversationHistory.Version"/> the turn was computed from (saves one read per turn).</summary>
    public ConversationVersion? BasedOn { get; init; }

    /// <summary>The agent that ran the turn; recorded on the conversation by its first turn (null: <c>default</c>).</summary>
    public string? Agent { get; init; }

    /// <summary>
    /// A new running summary to store with the turn, in the same transaction; kept only while it covers more than the
    /// stored one (a turn that raced this one may have stored a newer summary).
    /// </summary>
    public RunningSummary? Summary { get; init; }
}
