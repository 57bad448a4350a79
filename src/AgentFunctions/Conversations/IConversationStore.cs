using AgentFunctions.Tenancy;

namespace AgentFunctions.Conversations;

internal enum MessageRole
{
    User,
    Assistant,
}

internal sealed record ConversationMessage(MessageRole Role, string Content, DateTimeOffset CreatedAt);

/// <summary>How much history a turn loads: at most <see cref="MaxMessages"/>, and no more than <see cref="MaxCharacters"/> in total (newest kept).</summary>
internal sealed record ContextWindow(int MaxMessages, int MaxCharacters);

/// <summary>
/// The recent history of a conversation, oldest first; <see cref="Exists"/> is false for a new conversation.
/// <see cref="Version"/> is the state the history was read at: pass it on as <see cref="ConversationTurn.BasedOn"/>
/// so the append needs no read of its own (it re-reads only if another turn came in between).
/// </summary>
internal sealed record ConversationHistory(bool Exists, IReadOnlyList<ConversationMessage> Messages, ConversationVersion? Version = null)
{
    /// <summary>The agent the conversation was started with (null: <c>default</c>, or a new conversation).</summary>
    public string? Agent => Version?.Agent;
}

/// <summary>A stored user + assistant pair. <see cref="TurnId"/> makes the append idempotent (e.g. a job id).</summary>
internal sealed record ConversationTurn(string? TurnId, ConversationMessage User, ConversationMessage Assistant)
{
    /// <summary>Optional: the <see cref="ConversationHistory.Version"/> the turn was computed from (saves one read per turn).</summary>
    public ConversationVersion? BasedOn { get; init; }

    /// <summary>The agent that ran the turn; recorded on the conversation by its first turn (null: <c>default</c>).</summary>
    public string? Agent { get; init; }
}

/// <summary>
/// Opaque state of a conversation's head row at one moment (only the store reads it). A stale version is
/// harmless: the append's optimistic concurrency check fails and the store re-reads the head.
/// </summary>
internal sealed class ConversationVersion
{
    internal ConversationVersion(string conversationId, Azure.ETag? etag, long messageCount, DateTimeOffset createdAt, DateTimeOffset updatedAt, string? indexKey)
    {
        ConversationId = conversationId;
        ETag = etag;
        MessageCount = messageCount;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        IndexKey = indexKey;
    }

    internal string ConversationId { get; }

    /// <summary>Null: the conversation did not exist.</summary>
    internal Azure.ETag? ETag { get; }

    internal long MessageCount { get; }

    internal DateTimeOffset CreatedAt { get; }

    internal DateTimeOffset UpdatedAt { get; }

    internal string? IndexKey { get; }

    /// <summary>The agent recorded on the head (null: none recorded, i.e. <c>default</c>).</summary>
    internal string? Agent { get; init; }
}

internal sealed record ConversationSummary(string ConversationId, long MessageCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record ConversationPage(IReadOnlyList<ConversationSummary> Conversations, string? Cursor);

/// <summary>
/// One page of a conversation's messages: at most <paramref name="Limit"/> messages and, beyond the first, at most
/// <paramref name="MaxCharacters"/> characters of content; <paramref name="Cursor"/> (a page's <see cref="MessagePage.Cursor"/>)
/// continues with older messages.
/// </summary>
internal sealed record MessagePageRequest(int Limit, int MaxCharacters = int.MaxValue, string? Cursor = null);

/// <summary>Messages oldest first; <see cref="Cursor"/> (when present) fetches the older ones before them.</summary>
internal sealed record MessagePage(IReadOnlyList<ConversationMessage> Messages, string? Cursor);

/// <summary>
/// Conversation memory, partitioned by org. Every method takes the org; a conversation of another
/// org behaves exactly like a missing one.
/// </summary>
internal interface IConversationStore
{
    /// <summary>The last messages within the window, with one bounded query: O(window), never O(conversation length).</summary>
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
