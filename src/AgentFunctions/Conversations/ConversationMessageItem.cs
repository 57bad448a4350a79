using System.Text.Json.Serialization;

namespace AgentFunctions.Conversations;

internal sealed record ConversationMessageItem(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt);
