namespace AgentFunctions.Conversations;

/// <summary>
/// A conversation's running summary (compaction past the window): <see cref="Text"/> stands for its first
/// <see cref="Covers"/> messages (seq 0 to <see cref="Covers"/> - 1), which the window no longer shows.
/// </summary>
internal sealed record RunningSummary(string Text, long Covers)
{
    /// <summary>The longest summary stored (one Table string property); a longer answer is cut there.</summary>
    public const int MaxLength = MessageContent.PartLength - 1;

    /// <summary><see cref="Text"/> cut to <see cref="MaxLength"/> (never inside a surrogate pair).</summary>
    public string StoredText => Text.Length <= MaxLength ? Text : Text[..(char.IsHighSurrogate(Text[MaxLength - 1]) ? MaxLength - 1 : MaxLength)];
}
