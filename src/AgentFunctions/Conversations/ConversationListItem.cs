using System.Text.Json.Serialization;

namespace AgentFunctions.Conversations;

internal sealed record ConversationListItem(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("messageCount")] long MessageCount,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt);
