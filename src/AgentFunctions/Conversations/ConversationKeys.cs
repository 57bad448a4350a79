using System.Buffers.Text;
using System.Globalization;
using System.Text;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Conversations;

/// <summary>
/// Storage layout of the <c>Conversations</c> table. PartitionKey = org id; RowKeys:
/// <list type="table">
/// <item><term><c>{conversationId}|</c></term><description>head row: MessageCount, CreatedAt, UpdatedAt, IndexKey, Agent, Summary + SummaryCovers (ETag guards every turn)</description></item>
/// <item><term><c>{conversationId}|{long.MaxValue - seq:D19}</c></term><description>message rows, newest first: Role, CreatedAt, Parts, Content, Content1..</description></item>
/// <item><term><c>{conversationId}|turn|{turnId}</c></term><description>idempotency marker of a turn: Seq of its user message</description></item>
/// <item><term><c>~list|{MaxTicks - updatedAt ticks:D19}|{conversationId}</c></term><description>listing index, newest first: ConversationId, MessageCount, CreatedAt, UpdatedAt</description></item>
/// </list>
/// Every row of a conversation starts with <c>{conversationId}|</c>; ids never contain <c>|</c> or <c>~</c>
/// and never start with <c>~</c>, so conversation <c>a</c>'s ranges cannot reach <c>a.b</c>'s rows or the index.
/// The head sorts directly before its messages, so one range query returns head + newest messages.
/// CHANGING ANY KEY HERE IS A BREAKING CHANGE: stored conversations would no longer be found. Migrate instead.
/// </summary>
internal static class ConversationKeys
{
    public const string TableName = "Conversations";

    private const string IndexPrefix = "~list|";

    // '|' < '}' and '9' < ':' in ordinal order: the exclusive upper bounds of the ranges below.
    private const char AfterSeparator = '}';
    private const char AfterDigits = ':';

    public static string Head(string conversationId) => conversationId + "|";

    public static string Message(string conversationId, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{conversationId}|{ReverseSeq(seq):D19}");

    /// <summary>The seq of a message row's key (the inverse of <see cref="Message"/>).</summary>
    public static long SeqOf(string conversationId, string messageRowKey) =>
        long.MaxValue - long.Parse(messageRowKey.AsSpan(conversationId.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture);

    public static string TurnMarker(string conversationId, string turnId) => $"{conversationId}|turn|{turnId}";

    public static string Index(DateTimeOffset updatedAt, string conversationId) =>
        string.Create(CultureInfo.InvariantCulture, $"{IndexPrefix}{DateTimeOffset.MaxValue.UtcTicks - updatedAt.UtcTicks:D19}|{conversationId}");

    /// <summary>seq 0 → long.MaxValue: newer messages get smaller keys, so a range query reads newest first.</summary>
    public static long ReverseSeq(long seq) => seq < 0 ? throw new ArgumentOutOfRangeException(nameof(seq)) : long.MaxValue - seq;

    /// <summary>Head row and message rows, nothing else: [<c>{id}|</c>, <c>{id}|:</c>).</summary>
    public static (string From, string To) HistoryRange(string conversationId) => (Head(conversationId), Head(conversationId) + AfterDigits);

    /// <summary>Every row of one conversation (head, messages, markers): [<c>{id}|</c>, <c>{id}}</c>).</summary>
    public static (string From, string To) ConversationRange(string conversationId) => (Head(conversationId), conversationId + AfterSeparator);

    public static (string From, string To) IndexRange { get; } = (IndexPrefix, "~list" + AfterSeparator);

    public static bool IsHead(string rowKey) => rowKey.Length > 1 && rowKey[^1] == '|' && !rowKey.StartsWith('~');

    /// <summary>An opaque cursor for the listing: the last index key returned.</summary>
    public static string EncodeCursor(string indexKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(indexKey));

    /// <summary>
    /// Accepts only a well-formed index key, so a forged cursor can move the start of the page but never
    /// leave the listing range (and the partition is always the caller's org anyway).
    /// </summary>
    public static bool TryDecodeCursor(string cursor, out string indexKey)
    {
        indexKey = string.Empty;
        if (cursor.Length > 256)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (ArgumentException)
        {
            return false;
        }

        const int ticksLength = 19;
        if (!text.StartsWith(IndexPrefix, StringComparison.Ordinal) || text.Length < IndexPrefix.Length + ticksLength + 2)
        {
            return false;
        }

        var ticks = text.AsSpan(IndexPrefix.Length, ticksLength);
        foreach (var c in ticks)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        if (text[IndexPrefix.Length + ticksLength] != '|' || !Identifiers.IsResourceId(text[(IndexPrefix.Length + ticksLength + 1)..]))
        {
            return false;
        }

        indexKey = text;
        return true;
    }
}
