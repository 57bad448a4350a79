namespace AgentFunctions.Conversations;

internal sealed record ConversationMessage(MessageRole Role, string Content, DateTimeOffset CreatedAt);
