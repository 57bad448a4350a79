namespace AgentFunctions.Conversations;

internal sealed record ConversationSummary(string ConversationId, long MessageCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
