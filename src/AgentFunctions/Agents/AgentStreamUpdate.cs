namespace AgentFunctions.Agents;

/// <summary>One item of a streamed run: text deltas, then exactly one final result.</summary>
internal sealed record AgentStreamUpdate(string? Delta, AgentRunResult? Result);
