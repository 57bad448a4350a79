namespace AgentFunctions.Conversations;

/// <summary>Property names of the <c>Conversations</c> rows (see <see cref="ConversationKeys"/>); renaming one is a breaking change too.</summary>
internal static class ConversationColumns
{
    public const string MessageCount = "MessageCount";
    public const string CreatedAt = "CreatedAt";
    public const string UpdatedAt = "UpdatedAt";
    public const string IndexKey = "IndexKey";
    /// <summary>On the head: the agent the conversation was started with (absent: <c>default</c>, as before agents had names).</summary>
    public const string Agent = "Agent";
    /// <summary>On the head: the running summary of the messages before the window (compaction) and how many it covers.</summary>
    public const string Summary = "Summary";
    public const string SummaryCovers = "SummaryCovers";
    public const string ConversationId = "ConversationId";
    public const string Role = "Role";
    public const string Seq = "Seq";
}
