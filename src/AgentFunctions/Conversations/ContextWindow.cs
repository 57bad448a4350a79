namespace AgentFunctions.Conversations;

/// <summary>
/// How much history a turn loads: at most <see cref="MaxMessages"/>, and no more than <see cref="MaxCharacters"/> in total (newest kept).
/// With <see cref="Backlog"/> above 0 (compaction), the same query also returns up to that many older messages (again within
/// <see cref="MaxCharacters"/>) that the conversation's running summary does not cover yet: the model is not sent them, they are folded.
/// </summary>
internal sealed record ContextWindow(int MaxMessages, int MaxCharacters, int Backlog = 0);
