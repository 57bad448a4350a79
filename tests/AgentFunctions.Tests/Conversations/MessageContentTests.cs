using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using Azure.Data.Tables;

namespace AgentFunctions.Tests.Conversations;

public sealed class MessageContentTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(MessageContent.PartLength, 1)]
    [InlineData(MessageContent.PartLength + 1, 2)]
    [InlineData(MessageContent.PartLength * MessageContent.MaxParts, MessageContent.MaxParts)]
    public void Split_Length_PartsFitOneProperty(int length, int expectedParts)
    {
        var content = new string('x', length);

        var parts = MessageContent.Split(content, "user");

        Assert.Equal(expectedParts, parts.Count);
        Assert.All(parts, p => Assert.InRange(p.Length, 0, MessageContent.PartLength));
        Assert.Equal(content, string.Concat(parts));
    }

    [Fact]
    public void Split_SurrogatePairAtBoundary_NeverSplitsThePair()
    {
        var content = new string('x', MessageContent.PartLength - 1) + "\U0001F600" + "tail";

        var parts = MessageContent.Split(content, "user");

        Assert.Equal(2, parts.Count);
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
        Assert.Equal(content, string.Concat(parts));
    }

    [Fact]
    public void Split_OverTheCap_Throws413NamingTheMessage()
    {
        var error = Assert.Throws<ApiException>(() => MessageContent.Split(new string('x', (MessageContent.PartLength * MessageContent.MaxParts) + 1), "assistant"));

        Assert.Equal((413, ErrorCodes.PayloadTooLarge), (error.Status, error.Code));
        Assert.Contains("assistant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteThenRead_ManyParts_SameText()
    {
        var content = string.Concat(Enumerable.Range(0, 100_000).Select(i => (char)('a' + (i % 26))));
        var entity = new TableEntity("p", "r");

        MessageContent.Write(entity, MessageContent.Split(content, "user"));

        Assert.Equal(content, MessageContent.Read(entity));
        Assert.Equal(4, entity.GetInt32("Parts"));
    }
}
