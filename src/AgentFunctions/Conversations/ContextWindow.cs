namespace AgentFunctions.Conversations;

/// <summary>How much history a turn loads: at most <see cref="MaxMessages"/>, and no more than <see cref="MaxCharacters"/> in total (newest kept).</summary>
internal sealed record ContextWindow(int MaxMessages, int MaxCharacters);
