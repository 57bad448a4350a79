namespace AgentFunctions.Conversations;

internal enum MessageRole
{
    User,
    Assistant,
}
