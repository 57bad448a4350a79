using AgentFunctions.Conversations;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.Conversations;

/// <summary>The running summary on the head row (compaction): stored with a turn, loaded by the window's one query, never regressed by a raced turn.</summary>
public sealed class ConversationSummaryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private TableConversationStore Store => new(new TableProvider(new TableServiceClient(azurite.ConnectionString)), TimeProvider.System, new KeepEverything(), NullLogger<TableConversationStore>.Instance);

    private static OrgId NewOrg() => OrgId.Parse("org-" + Identifiers.NewId()[..12]);

    private static ConversationTurn Turn(int i, RunningSummary? summary = null) =>
        new(null, new ConversationMessage(MessageRole.User, $"q{i}", At), new ConversationMessage(MessageRole.Assistant, $"a{i}", At)) { Summary = summary };

    [Fact]
    public async Task LoadHistoryAsync_WithBacklog_ReturnsWindowAndNewestUncoveredMessagesBelowIt()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 4; i++)
        {
            await store.AppendTurnAsync(org, "c1", Turn(i), default);
        }

        var history = await store.LoadHistoryAsync(org, "c1", new ContextWindow(2, 1000, 3), default);

        Assert.Equal(["q3", "a3"], history.Messages.Select(m => m.Content));
        Assert.Equal(["a1", "q2", "a2"], history.Backlog.Select(m => m.Content));
        Assert.Equal(3, history.FirstSeq);
        Assert.Null(history.Summary);
    }

    [Fact]
    public async Task AppendTurnAsync_WithSummary_LoadedWithWindowAndBacklogStopsAtCovered()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 3; i++)
        {
            await store.AppendTurnAsync(org, "c1", Turn(i), default);
        }

        await store.AppendTurnAsync(org, "c1", Turn(3, new RunningSummary("q0 to a1", 4)), default);
        await store.AppendTurnAsync(org, "c1", Turn(4), default); // a later turn without a summary keeps it

        var history = await store.LoadHistoryAsync(org, "c1", new ContextWindow(2, 1000, 10), default);

        Assert.Equal(new RunningSummary("q0 to a1", 4), history.Summary);
        Assert.Equal(["q4", "a4"], history.Messages.Select(m => m.Content));
        Assert.Equal(["q2", "a2", "q3", "a3"], history.Backlog.Select(m => m.Content));
        var plain = await store.LoadHistoryAsync(org, "c1", new ContextWindow(2, 1000), default);
        Assert.Empty(plain.Backlog);
        Assert.Equal(new RunningSummary("q0 to a1", 4), plain.Summary);
    }

    [Fact]
    public async Task AppendTurnAsync_RacedByTurnWithNewerSummary_KeepsNewerSummaryAndBothTurns()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 3; i++)
        {
            await store.AppendTurnAsync(org, "c1", Turn(i), default);
        }

        var stale = await store.LoadHistoryAsync(org, "c1", new ContextWindow(2, 1000, 2), default);
        await store.AppendTurnAsync(org, "c1", Turn(3, new RunningSummary("newer", 6)) with { BasedOn = stale.Version }, default);

        // Computed from the same (now stale) read: its ETag no longer matches, the store re-reads and keeps the newer summary.
        await store.AppendTurnAsync(org, "c1", Turn(4, new RunningSummary("older", 4)) with { BasedOn = stale.Version }, default);

        var history = await store.LoadHistoryAsync(org, "c1", new ContextWindow(4, 1000), default);
        Assert.Equal(new RunningSummary("newer", 6), history.Summary);
        Assert.Equal(10, history.Version!.MessageCount);
        Assert.Equal(["q3", "a3", "q4", "a4"], history.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task LoadHistoryAsync_OtherOrgSameConversationId_SeesNoSummary()
    {
        var store = Store;
        var (orgA, orgB) = (NewOrg(), NewOrg());
        await store.AppendTurnAsync(orgA, "shared", Turn(0, new RunningSummary("secret of A", 2)), default);
        await store.AppendTurnAsync(orgB, "shared", Turn(0), default);

        var history = await store.LoadHistoryAsync(orgB, "shared", new ContextWindow(2, 1000, 2), default);

        Assert.Null(history.Summary);
    }
}
