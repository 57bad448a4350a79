using System.Text.Json.Serialization;

namespace AgentFunctions.Conversations;

/// <summary>Response of <c>GET /api/conversations</c>; <see cref="Cursor"/> (when present) fetches the next page.</summary>
internal sealed record ConversationListResponse(
    [property: JsonPropertyName("conversations")] IReadOnlyList<ConversationListItem> Conversations,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor)
{
    public static ConversationListResponse From(ConversationPage page) =>
        new([.. page.Conversations.Select(c => new ConversationListItem(c.ConversationId, c.MessageCount, c.CreatedAt, c.UpdatedAt))], page.Cursor);
}

internal sealed record ConversationListItem(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("messageCount")] long MessageCount,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt);

/// <summary>
/// Response of <c>GET /api/conversations/{conversationId}/messages</c>: oldest first among the newest that fit the page's
/// count and character budget; <see cref="Cursor"/> (when present) fetches the older ones.
/// </summary>
internal sealed record ConversationMessagesResponse(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("messages")] IReadOnlyList<ConversationMessageItem> Messages,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor)
{
    public static ConversationMessagesResponse From(string conversationId, MessagePage page) =>
        new(conversationId, [.. page.Messages.Select(m => new ConversationMessageItem(m.Role == MessageRole.User ? "user" : "assistant", m.Content, m.CreatedAt))], page.Cursor);
}

internal sealed record ConversationMessageItem(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt);
