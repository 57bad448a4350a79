using AgentFunctions.Tenancy;

namespace AgentFunctions.Conversations;

/// <summary>
/// Conversation memory, partitioned by org. Every method takes the org; a conversation of another
/// org behaves exactly like a missing one.
/// </summary>
internal interface IConversationStore
{
    /// <summary>
    /// The last messages within the window, the running summary (on the head) and, with a <see cref="ContextWindow.Backlog"/>,
    /// the messages below the window the summary does not cover yet, with one bounded query: O(window), never O(conversation length).
    /// </summary>
    Task<ConversationHistory> LoadHistoryAsync(OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken);

    /// <summary>
    /// Appends user + assistant atomically (one transaction with the head row under If-Match, retried on
    /// conflict), so concurrent turns never interleave or lose messages. With a <see cref="ConversationTurn.TurnId"/>
    /// that was already stored, nothing is written and false is returned.
    /// </summary>
    Task<bool> AppendTurnAsync(OrgId orgId, string conversationId, ConversationTurn turn, CancellationToken cancellationToken);

    /// <summary>The stored turn with that id, if any (to answer a redelivered job without running it again).</summary>
    Task<ConversationTurn?> FindTurnAsync(OrgId orgId, string conversationId, string turnId, CancellationToken cancellationToken);

    /// <summary>This org's conversations, most recently updated first; <paramref name="cursor"/> is a page's <see cref="ConversationPage.Cursor"/>.</summary>
    Task<ConversationPage> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The newest messages within the page's count and character budget, oldest first; null when the conversation does not exist in this org.</summary>
    Task<MessagePage?> GetMessagesAsync(OrgId orgId, string conversationId, MessagePageRequest request, CancellationToken cancellationToken);

    /// <summary>False when the conversation does not exist in this org.</summary>
    Task<bool> DeleteAsync(OrgId orgId, string conversationId, CancellationToken cancellationToken);

    /// <summary>Removes every conversation of the org (offboarding); resumable.</summary>
    Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken);
}
