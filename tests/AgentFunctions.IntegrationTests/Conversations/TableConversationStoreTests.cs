using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.Conversations;

public sealed class TableConversationStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly ContextWindow Everything = new(1000, int.MaxValue);
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private TableServiceClient Service => new(azurite.ConnectionString);

    private TableConversationStore Store => new(new TableProvider(Service), TimeProvider.System, new KeepEverything(), NullLogger<TableConversationStore>.Instance);

    private static OrgId NewOrg() => OrgId.Parse("org-" + Identifiers.NewId()[..12]);

    private static ConversationTurn Turn(string user, string assistant, string? turnId = null) =>
        new(turnId, new ConversationMessage(MessageRole.User, user, At), new ConversationMessage(MessageRole.Assistant, assistant, At.AddSeconds(1)));

    private async Task<List<TableEntity>> RowsAsync(OrgId org)
    {
        var table = Service.GetTableClient(ConversationKeys.TableName);
        await table.CreateIfNotExistsAsync();
        return await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {org.Value}")).ToListAsync();
    }

    [Fact]
    public async Task LoadHistoryAsync_AfterThreeTurns_ReturnsMessagesOldestFirst()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await store.AppendTurnAsync(org, "c1", Turn($"q{i}", $"a{i}"), default));
        }

        var history = await store.LoadHistoryAsync(org, "c1", Everything, default);

        Assert.True(history.Exists);
        Assert.Equal(["q0", "a0", "q1", "a1", "q2", "a2"], history.Messages.Select(m => m.Content));
        Assert.Equal([MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant], history.Messages.Select(m => m.Role));
        Assert.Equal(At, history.Messages[0].CreatedAt);
    }

    [Fact]
    public async Task LoadHistoryAsync_NewConversation_ReturnsNotExistsAndNoMessages()
    {
        var history = await Store.LoadHistoryAsync(NewOrg(), "never", Everything, default);

        Assert.False(history.Exists);
        Assert.Empty(history.Messages);
    }

    [Fact]
    public async Task LoadHistoryAsync_WindowOfThreeMessages_ReturnsNewestThreeOldestFirst()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendTurnAsync(org, "c1", Turn($"q{i}", $"a{i}"), default);
        }

        var history = await store.LoadHistoryAsync(org, "c1", new ContextWindow(3, int.MaxValue), default);

        Assert.Equal(["a3", "q4", "a4"], history.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task LoadHistoryAsync_CharacterBudget_KeepsNewestMessagesWithinBudget()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("1111111111", "2222222222"), default);
        await store.AppendTurnAsync(org, "c1", Turn("333", "4444"), default);

        var history = await store.LoadHistoryAsync(org, "c1", new ContextWindow(10, 17), default);

        // 4 + 3 + 10 = 17 fits; the oldest (10 more) does not.
        Assert.Equal(["2222222222", "333", "4444"], history.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task AppendTurnAsync_TwentyConcurrentTurns_StoresAllFortyMessagesPaired()
    {
        var store = Store;
        var org = NewOrg();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.AppendTurnAsync(org, "busy", Turn($"q{i}", $"a{i}"), default))));

        Assert.All(results, Assert.True);
        var messages = (await store.GetMessagesAsync(org, "busy", new MessagePageRequest(100), default))?.Messages;
        Assert.NotNull(messages);
        Assert.Equal(40, messages.Count);
        for (var i = 0; i < 40; i += 2)
        {
            Assert.Equal(MessageRole.User, messages[i].Role);
            Assert.Equal(MessageRole.Assistant, messages[i + 1].Role);
            Assert.Equal("a" + messages[i].Content[1..], messages[i + 1].Content);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"q{i}").Order(), messages.Where(m => m.Role == MessageRole.User).Select(m => m.Content).Order());
        var summary = Assert.Single((await store.ListAsync(org, 10, null, default)).Conversations);
        Assert.Equal(40, summary.MessageCount);
    }

    [Fact]
    public async Task AppendTurnAsync_StaleVersion_RereadsAndKeepsBothTurns()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q0", "a0"), default);
        var history = await store.LoadHistoryAsync(org, "c1", Everything, default);
        await store.AppendTurnAsync(org, "c1", Turn("q1", "a1"), default);

        var stored = await store.AppendTurnAsync(org, "c1", Turn("q2", "a2") with { BasedOn = history.Version }, default);

        Assert.True(stored);
        var messages = (await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages;
        Assert.Equal(["q0", "a0", "q1", "a1", "q2", "a2"], messages!.Select(m => m.Content));
    }

    [Fact]
    public async Task AppendTurnAsync_VersionFromBeforeADelete_StartsTheConversationAfresh()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q0", "a0"), default);
        await store.AppendTurnAsync(org, "c1", Turn("q1", "a1"), default);
        var history = await store.LoadHistoryAsync(org, "c1", Everything, default);
        await store.DeleteAsync(org, "c1", default);

        var stored = await store.AppendTurnAsync(org, "c1", Turn("q2", "a2") with { BasedOn = history.Version }, default);

        Assert.True(stored);
        Assert.Equal(["q2", "a2"], ((await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages)!.Select(m => m.Content));
        Assert.Equal(2, Assert.Single((await store.ListAsync(org, 10, null, default)).Conversations).MessageCount);
    }

    [Fact]
    public async Task AppendTurnAsync_SameTurnIdTwice_StoresOnceAndFindsIt()
    {
        var store = Store;
        var org = NewOrg();

        var first = await store.AppendTurnAsync(org, "c1", Turn("q", "a", "job-1"), default);
        var second = await store.AppendTurnAsync(org, "c1", Turn("q again", "a again", "job-1"), default);
        var found = await store.FindTurnAsync(org, "c1", "job-1", default);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(["q", "a"], ((await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages)!.Select(m => m.Content));
        Assert.NotNull(found);
        Assert.Equal(("q", "a"), (found.User.Content, found.Assistant.Content));
        Assert.Null(await store.FindTurnAsync(org, "c1", "job-2", default));
    }

    [Fact]
    public async Task AppendTurnAsync_SameTurnIdConcurrently_ExactlyOneStored()
    {
        var store = Store;
        var org = NewOrg();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => store.AppendTurnAsync(org, "c1", Turn($"q{i}", $"a{i}", "job-1"), default))));

        Assert.Single(results, r => r);
        Assert.Equal(2, ((await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages)!.Count);
    }

    [Fact]
    public async Task Store_TwoOrgsSameConversationId_NothingCrosses()
    {
        var store = Store;
        var orgA = NewOrg();
        var orgB = NewOrg();
        await store.AppendTurnAsync(orgA, "shared", Turn("secret of a", "answer a", "job-a"), default);
        await store.AppendTurnAsync(orgB, "shared", Turn("secret of b", "answer b"), default);

        var historyB = await store.LoadHistoryAsync(orgB, "shared", Everything, default);
        var listB = await store.ListAsync(orgB, 100, null, default);
        var markerFromB = await store.FindTurnAsync(orgB, "shared", "job-a", default);
        var onlyInA = (await store.GetMessagesAsync(orgB, "only-a", new MessagePageRequest(10), default))?.Messages;
        await store.AppendTurnAsync(orgA, "only-a", Turn("x", "y"), default);
        var onlyInAFromB = (await store.GetMessagesAsync(orgB, "only-a", new MessagePageRequest(10), default))?.Messages;
        var deletedFromB = await store.DeleteAsync(orgB, "only-a", default);

        Assert.Equal(["secret of b", "answer b"], historyB.Messages.Select(m => m.Content));
        Assert.Equal(["shared"], listB.Conversations.Select(c => c.ConversationId));
        Assert.Null(markerFromB);
        Assert.Null(onlyInA);
        Assert.Null(onlyInAFromB);
        Assert.False(deletedFromB);
        Assert.True(await store.DeleteAsync(orgB, "shared", default));
        Assert.Equal(["secret of a", "answer a"], ((await store.GetMessagesAsync(orgA, "shared", new MessagePageRequest(10), default))?.Messages)!.Select(m => m.Content));
        Assert.NotNull((await store.GetMessagesAsync(orgA, "only-a", new MessagePageRequest(10), default))?.Messages);
    }

    [Fact]
    public async Task Store_ConversationIdIsPrefixOfAnother_RangesDoNotOverlap()
    {
        var store = Store;
        var org = NewOrg();
        foreach (var id in new[] { "a", "a.b", "a-b", "a_b", "a0", "ab" })
        {
            await store.AppendTurnAsync(org, id, Turn($"q {id}", $"a {id}", $"t-{id}"), default);
        }

        var history = await store.LoadHistoryAsync(org, "a", Everything, default);
        var deleted = await store.DeleteAsync(org, "a", default);

        Assert.Equal(["q a", "a a"], history.Messages.Select(m => m.Content));
        Assert.True(deleted);
        foreach (var id in new[] { "a.b", "a-b", "a_b", "a0", "ab" })
        {
            Assert.Equal([$"q {id}", $"a {id}"], ((await store.GetMessagesAsync(org, id, new MessagePageRequest(10), default))?.Messages)!.Select(m => m.Content));
            Assert.NotNull(await store.FindTurnAsync(org, id, $"t-{id}", default));
        }

        Assert.Null((await store.GetMessagesAsync(org, "a", new MessagePageRequest(10), default))?.Messages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a|b")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a'b")]
    [InlineData("a b")]
    [InlineData("~list")]
    [InlineData(".hidden")]
    [InlineData("a\u0000b")]
    [InlineData("caf\u00e9")]
    [InlineData("x' or PartitionKey ne 'x")]
    public async Task Store_HostileConversationId_RefusedWith400AndNothingWritten(string hostile)
    {
        var store = Store;
        var org = NewOrg();

        var errors = new[]
        {
            await Assert.ThrowsAsync<ApiException>(() => store.AppendTurnAsync(org, hostile, Turn("q", "a"), default)),
            await Assert.ThrowsAsync<ApiException>(() => store.LoadHistoryAsync(org, hostile, Everything, default)),
            await Assert.ThrowsAsync<ApiException>(() => store.GetMessagesAsync(org, hostile, new MessagePageRequest(10), default)),
            await Assert.ThrowsAsync<ApiException>(() => store.DeleteAsync(org, hostile, default)),
            await Assert.ThrowsAsync<ApiException>(() => store.FindTurnAsync(org, hostile, "t", default)),
        };

        Assert.All(errors, e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All(errors, e => Assert.Contains("conversationId", e.Message, StringComparison.Ordinal));
        Assert.Empty(await RowsAsync(org));
    }

    [Fact]
    public async Task AppendTurnAsync_HostileTurnId_RefusedWith400AndNothingWritten()
    {
        var org = NewOrg();

        var error = await Assert.ThrowsAsync<ApiException>(() => Store.AppendTurnAsync(org, "c1", Turn("q", "a", "job|1"), default));

        Assert.Equal(400, error.Status);
        Assert.Empty(await RowsAsync(org));
    }

    [Fact]
    public async Task AppendTurnAsync_ContentLongerThanOneProperty_StoredWholeAndReadBackIdentical()
    {
        var store = Store;
        var org = NewOrg();
        // Surrogate pairs straddling every property boundary, and the longest content that always fits.
        var emoji = string.Concat(Enumerable.Repeat("x\U0001F600", 60_000));
        var longest = new string('z', MessageContent.MaxLength - 1) + "!";

        await store.AppendTurnAsync(org, "big", Turn(emoji, longest), default);
        var messages = (await store.GetMessagesAsync(org, "big", new MessagePageRequest(10), default))?.Messages;
        var history = await store.LoadHistoryAsync(org, "big", Everything, default);

        Assert.Equal(emoji, messages![0].Content);
        Assert.Equal(longest, messages[1].Content);
        Assert.Equal(emoji, history.Messages[0].Content);
        Assert.Equal(longest, history.Messages[1].Content);
    }

    [Fact]
    public async Task AppendTurnAsync_ContentOverTheCap_Refused413AndNothingWritten()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q0", "a0"), default);
        var before = await RowsAsync(org);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            store.AppendTurnAsync(org, "c1", Turn("q1", new string('z', (MessageContent.PartLength * MessageContent.MaxParts) + 1)), default));
        var errorNew = await Assert.ThrowsAsync<ApiException>(() =>
            store.AppendTurnAsync(org, "c2", Turn(new string('z', (MessageContent.PartLength * MessageContent.MaxParts) + 1), "a"), default));

        Assert.Equal((413, ErrorCodes.PayloadTooLarge), (error.Status, error.Code));
        Assert.Equal((413, ErrorCodes.PayloadTooLarge), (errorNew.Status, errorNew.Code));
        Assert.Equal(before.Select(r => (r.RowKey, r.ETag)), (await RowsAsync(org)).Select(r => (r.RowKey, r.ETag)));
    }

    [Fact]
    public async Task ListAsync_PagesWithCursor_NewestFirstEachOnce()
    {
        var store = Store;
        var org = NewOrg();
        foreach (var id in new[] { "c1", "c2", "c3", "c4", "c5" })
        {
            await store.AppendTurnAsync(org, id, Turn("q", "a"), default);
        }

        await store.AppendTurnAsync(org, "c2", Turn("q", "a"), default); // c2 is now the newest

        var seen = new List<ConversationSummary>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(org, 2, cursor, default);
            seen.AddRange(page.Conversations);
            cursor = page.Cursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["c2", "c5", "c4", "c3", "c1"], seen.Select(c => c.ConversationId));
        Assert.Equal(3, pages);
        Assert.Equal(4, seen[0].MessageCount);
        Assert.True(seen[0].UpdatedAt > seen[0].CreatedAt);
        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.True(pair.First.UpdatedAt >= pair.Second.UpdatedAt));
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("eA")] // "x"
    [InlineData("fmxpc3R8MDAwMHxh")] // "~list|0000|a": ticks too short
    [InlineData("YXxiYw")] // "a|bc"
    public async Task ListAsync_ForgedCursor_Refused400NamingCursor(string cursor)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Store.ListAsync(NewOrg(), 10, cursor, default));

        Assert.Equal(400, error.Status);
        Assert.Contains("cursor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_CursorOfAnotherOrg_ListsOnlyOwnConversations()
    {
        var store = Store;
        var orgA = NewOrg();
        var orgB = NewOrg();
        await store.AppendTurnAsync(orgA, "a1", Turn("q", "a"), default);
        await store.AppendTurnAsync(orgA, "a2", Turn("q", "a"), default);
        await store.AppendTurnAsync(orgB, "b1", Turn("q", "a"), default);
        var cursorOfA = (await store.ListAsync(orgA, 1, null, default)).Cursor;
        Assert.NotNull(cursorOfA);

        var page = await store.ListAsync(orgB, 100, ConversationKeys.EncodeCursor(ConversationKeys.IndexRange.From + "0000000000000000000|a"), default);
        var pageWithCursorOfA = await store.ListAsync(orgB, 100, cursorOfA, default);

        Assert.Equal(["b1"], page.Conversations.Select(c => c.ConversationId));
        Assert.All(pageWithCursorOfA.Conversations, c => Assert.Equal("b1", c.ConversationId));
    }

    [Fact]
    public async Task DeleteAsync_Conversation_RemovesEveryRowAndStartsFreshAfterwards()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 60; i++)
        {
            await store.AppendTurnAsync(org, "long", Turn($"q{i}", $"a{i}", $"t{i}"), default);
        }

        var deleted = await store.DeleteAsync(org, "long", default);
        var rowsAfter = await RowsAsync(org);
        var again = await store.DeleteAsync(org, "long", default);
        await store.AppendTurnAsync(org, "long", Turn("fresh", "start", "t0"), default);

        Assert.True(deleted);
        Assert.Empty(rowsAfter);
        Assert.False(again);
        Assert.Equal(["fresh", "start"], ((await store.GetMessagesAsync(org, "long", new MessagePageRequest(100), default))?.Messages)!.Select(m => m.Content));
        Assert.Equal(2, Assert.Single((await store.ListAsync(org, 10, null, default)).Conversations).MessageCount);
    }

    [Fact]
    public async Task DeleteAllAsync_OrgWithManyRows_RemovesAllOfItAndNothingOfAnotherOrg()
    {
        var store = Store;
        var org = NewOrg();
        var other = NewOrg();
        for (var i = 0; i < 70; i++)
        {
            await store.AppendTurnAsync(org, $"c{i % 3}", Turn($"q{i}", $"a{i}", $"t{i}"), default);
        }

        await store.AppendTurnAsync(other, "c0", Turn("keep", "me", "t0"), default);
        var otherBefore = (await RowsAsync(other)).Select(r => (r.RowKey, r.ETag)).ToList();

        await store.DeleteAllAsync(org, default);

        Assert.Empty(await RowsAsync(org));
        Assert.Equal(otherBefore, (await RowsAsync(other)).Select(r => (r.RowKey, r.ETag)));
        Assert.Empty((await store.ListAsync(org, 10, null, default)).Conversations);
    }

    [Fact]
    public async Task DeleteAllAsync_AfterAnInterruptedRun_FinishesTheJob()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 10; i++)
        {
            await store.AppendTurnAsync(org, $"c{i % 2}", Turn($"q{i}", $"a{i}"), default);
        }

        // An interrupted run: messages and listing rows gone, heads left behind.
        var table = Service.GetTableClient(ConversationKeys.TableName);
        foreach (var row in (await RowsAsync(org)).Where(r => !ConversationKeys.IsHead(r.RowKey)))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        await store.DeleteAllAsync(org, default);

        Assert.Empty(await RowsAsync(org));
    }

    [Fact]
    public async Task AppendTurnAsync_HeadLeftByInterruptedOffboarding_StillAppends()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q0", "a0"), default);
        var table = Service.GetTableClient(ConversationKeys.TableName);
        foreach (var row in (await RowsAsync(org)).Where(r => !ConversationKeys.IsHead(r.RowKey)))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        var stored = await store.AppendTurnAsync(org, "c1", Turn("q1", "a1"), default);

        Assert.True(stored);
        Assert.Equal(["q1", "a1"], ((await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages)!.Select(m => m.Content));
        Assert.True(await store.DeleteAsync(org, "c1", default));
    }
}
