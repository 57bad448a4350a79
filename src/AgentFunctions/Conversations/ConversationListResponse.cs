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
