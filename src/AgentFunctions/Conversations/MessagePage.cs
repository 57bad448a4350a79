namespace AgentFunctions.Conversations;

/// <summary>Messages oldest first; <see cref="Cursor"/> (when present) fetches the older ones before them.</summary>
internal sealed record MessagePage(IReadOnlyList<ConversationMessage> Messages, string? Cursor);
