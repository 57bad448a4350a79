namespace AgentFunctions.Conversations;

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

    /// <summary>
    /// A conversation that does not exist yet: what an append of a freshly generated id is based on, so the append needs
    /// no read of a head that cannot be there (if it were, the insert would fail and the store would read it).
    /// </summary>
    internal static ConversationVersion New(string conversationId) => new(conversationId, null, 0, default, default, null);

    /// <summary>Null: the conversation did not exist.</summary>
    internal Azure.ETag? ETag { get; }

    internal long MessageCount { get; }

    internal DateTimeOffset CreatedAt { get; }

    internal DateTimeOffset UpdatedAt { get; }

    internal string? IndexKey { get; }

    /// <summary>The agent recorded on the head (null: none recorded, i.e. <c>default</c>).</summary>
    internal string? Agent { get; init; }

    /// <summary>The running summary recorded on the head (null: none).</summary>
    internal RunningSummary? Summary { get; init; }
}
