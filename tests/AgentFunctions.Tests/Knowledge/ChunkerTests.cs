using AgentFunctions.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

public sealed class ChunkerTests
{
    private static string Sentences(int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(i => $"Sentence number {i} talks about topic {i % 7} in some detail."));

    [Fact]
    public void Split_ShortText_ReturnsOneTrimmedChunk()
    {
        var chunks = Chunker.Split("  Hello world.  ", 100, 10);

        Assert.Equal(["Hello world."], chunks);
    }

    [Fact]
    public void Split_LongText_EveryChunkWithinSize()
    {
        var chunks = Chunker.Split(Sentences(200), 300, 50);

        Assert.True(chunks.Count > 10);
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 300));
    }

    [Fact]
    public void Split_SentenceText_ChunksEndAtSentenceEnds()
    {
        var chunks = Chunker.Split(Sentences(200), 300, 0);

        Assert.All(chunks, c => Assert.EndsWith(".", c, StringComparison.Ordinal));
    }

    [Fact]
    public void Split_WithOverlap_NextChunkRepeatsEndOfPrevious()
    {
        var chunks = Chunker.Split(Sentences(100), 300, 60);

        for (var i = 1; i < chunks.Count; i++)
        {
            var head = chunks[i][..20];
            Assert.Contains(head, chunks[i - 1][^80..], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Split_WithoutOverlap_ChunksCoverTextInOrderOnce()
    {
        var text = Sentences(120);

        var chunks = Chunker.Split(text, 250, 0);

        Assert.Equal(text.Replace(" ", "", StringComparison.Ordinal), string.Concat(chunks).Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Split_ParagraphBreakInWindow_BreaksThere()
    {
        var text = "First sentence is here. And more words here\n\nSecond paragraph " + string.Join(' ', Enumerable.Repeat("filler", 20));

        var chunks = Chunker.Split(text, 60, 0);

        Assert.EndsWith("more words here", chunks[0], StringComparison.Ordinal);
        Assert.StartsWith("Second paragraph", chunks[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Split_NoWhitespace_CutsHardWithoutSplittingSurrogatePairs()
    {
        var text = string.Concat(Enumerable.Repeat("ab😀", 100));

        var chunks = Chunker.Split(text, 50, 10);

        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 50));
        Assert.All(chunks, c => Assert.False(char.IsLowSurrogate(c[0]) || char.IsHighSurrogate(c[^1])));
        Assert.Equal(text, string.Concat(chunks));
    }

    [Fact]
    public void Split_SameText_SameChunks()
    {
        var text = Sentences(80);

        Assert.Equal(Chunker.Split(text, 200, 40), Chunker.Split(text, 200, 40));
    }

    [Theory]
    [InlineData(100, 50)]
    [InlineData(100, -1)]
    [InlineData(1, 0)]
    public void Split_BadSizes_Throws(int size, int overlap)
    {
        Assert.ThrowsAny<ArgumentException>(() => Chunker.Split("text", size, overlap));
    }
}
