using System.Text.Json.Serialization;

namespace AgentFunctions.Conversations;

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
