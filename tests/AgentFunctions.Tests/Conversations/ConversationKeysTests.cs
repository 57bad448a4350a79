using AgentFunctions.Conversations;

namespace AgentFunctions.Tests.Conversations;

public sealed class ConversationKeysTests
{
    [Fact]
    public void Message_IncreasingSeq_SortsNewestFirst()
    {
        long[] seqs = [0, 1, 2, 9, 10, 99, 100, 10_000, long.MaxValue - 1];

        var keys = seqs.Select(s => ConversationKeys.Message("c", s)).ToList();

        Assert.Equal(keys.OrderByDescending(k => k, StringComparer.Ordinal), keys);
        Assert.All(keys, k => Assert.Equal("c|".Length + 19, k.Length));
        Assert.Equal("c|9223372036854775807", ConversationKeys.Message("c", 0));
    }

    [Fact]
    public void ReverseSeq_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ConversationKeys.ReverseSeq(-1));
    }

    [Fact]
    public void HistoryRange_OtherConversationsAndMarkers_FallOutside()
    {
        var (from, to) = ConversationKeys.HistoryRange("a");
        string[] inside = [ConversationKeys.Head("a"), ConversationKeys.Message("a", 0), ConversationKeys.Message("a", 123_456)];
        string[] outside =
        [
            "a", ConversationKeys.Head("a.b"), ConversationKeys.Message("a.b", 0), ConversationKeys.Message("a-b", 0), ConversationKeys.Message("a0", 0),
            ConversationKeys.Message("ab", 0), ConversationKeys.Message("A", 0), ConversationKeys.TurnMarker("a", "t1"), ConversationKeys.Index(DateTimeOffset.UnixEpoch, "a"),
        ];

        Assert.All(inside, k => Assert.True(InRange(k, from, to), k));
        Assert.All(outside, k => Assert.False(InRange(k, from, to), k));
        Assert.Equal(ConversationKeys.Head("a"), inside.Min(StringComparer.Ordinal)); // the head comes first in the query
    }

    [Fact]
    public void ConversationRange_IncludesMarkersButNoOtherConversationOrIndex()
    {
        var (from, to) = ConversationKeys.ConversationRange("a");

        Assert.True(InRange(ConversationKeys.TurnMarker("a", "t1"), from, to));
        Assert.True(InRange(ConversationKeys.Message("a", 5), from, to));
        Assert.False(InRange(ConversationKeys.TurnMarker("a.b", "t1"), from, to));
        Assert.False(InRange(ConversationKeys.Head("ab"), from, to));
        Assert.False(InRange(ConversationKeys.Index(DateTimeOffset.UnixEpoch, "a"), from, to));
    }

    [Fact]
    public void Index_LaterUpdate_SortsFirstAndStaysInIndexRange()
    {
        var older = ConversationKeys.Index(DateTimeOffset.UnixEpoch, "z");
        var newer = ConversationKeys.Index(DateTimeOffset.UnixEpoch.AddTicks(1), "a");
        var (from, to) = ConversationKeys.IndexRange;

        Assert.True(string.CompareOrdinal(newer, older) < 0);
        Assert.True(InRange(newer, from, to) && InRange(older, from, to));
        Assert.False(InRange(ConversationKeys.Head("zzz"), from, to));
    }

    [Fact]
    public void IsHead_EachKind_OnlyHeadsMatch()
    {
        Assert.True(ConversationKeys.IsHead(ConversationKeys.Head("a.b")));
        Assert.False(ConversationKeys.IsHead(ConversationKeys.Message("a", 1)));
        Assert.False(ConversationKeys.IsHead(ConversationKeys.TurnMarker("a", "t")));
        Assert.False(ConversationKeys.IsHead(ConversationKeys.Index(DateTimeOffset.UnixEpoch, "a")));
    }

    [Fact]
    public void TryDecodeCursor_EncodedIndexKey_RoundTrips()
    {
        var key = ConversationKeys.Index(DateTimeOffset.UnixEpoch, "conv-1.x");

        Assert.True(ConversationKeys.TryDecodeCursor(ConversationKeys.EncodeCursor(key), out var decoded));
        Assert.Equal(key, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("a|")]
    [InlineData("~list|123|a")]
    [InlineData("~list|000000000000000000x|a")]
    [InlineData("~list|0000000000000000000|")]
    [InlineData("~list|0000000000000000000|a|b")]
    [InlineData("~list|0000000000000000000|a'b")]
    [InlineData("~list|0000000000000000000-a")]
    [InlineData("~lisu|0000000000000000000|a")]
    public void TryDecodeCursor_ForgedKey_Refused(string forged)
    {
        Assert.False(ConversationKeys.TryDecodeCursor(ConversationKeys.EncodeCursor(forged), out _));
    }

    [Fact]
    public void TryDecodeCursor_NotBase64_Refused()
    {
        Assert.False(ConversationKeys.TryDecodeCursor("%%%", out _));
        Assert.False(ConversationKeys.TryDecodeCursor(new string('A', 300), out _));
    }

    private static bool InRange(string key, string from, string to) =>
        string.CompareOrdinal(key, from) >= 0 && string.CompareOrdinal(key, to) < 0;
}
