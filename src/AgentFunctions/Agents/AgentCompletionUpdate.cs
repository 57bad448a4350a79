namespace AgentFunctions.Agents;

/// <summary>One item of a streamed <see cref="AgentCall"/>: text deltas, then exactly one final completion.</summary>
internal sealed record AgentCompletionUpdate(string? Delta, AgentCompletion? Completion);
