namespace AgentFunctions.Conversations;

internal sealed record ConversationPage(IReadOnlyList<ConversationSummary> Conversations, string? Cursor);
