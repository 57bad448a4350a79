using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Conversations;

/// <summary>Conversation memory settings (section <c>Conversations</c>).</summary>
internal sealed class ConversationsOptions
{
    public const string Section = "Conversations";

    /// <summary>
    /// Characters of message content one page of <c>GET /api/conversations/{id}/messages</c> carries at most (the
    /// first message of a page always comes, so a page is at most this or one stored message); the rest is reached
    /// with the page's cursor.
    /// </summary>
    [Range(1, 10_000_000)]
    public int ListCharacters { get; set; } = 200_000;
}
