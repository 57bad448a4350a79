using AgentFunctions.OpenAi;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;

namespace AgentFunctions.IntegrationTests.OpenAi;

/// <summary>The <c>Responses</c> table on Azurite: round trip in parts, pending messages, isolation of orgs, offboarding.</summary>
public sealed class ResponseStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private ResponseStore Store() => new(new TableProvider(new TableServiceClient(azurite.ConnectionString)));

    private static string NewId() => $"resp_{Guid.NewGuid():N}";

    [Fact]
    public async Task SaveAndFind_LongResponseWithPendingCalls_RoundTrips()
    {
        var store = Store();
        var org = OrgId.Parse("responses-roundtrip");
        var id = NewId();
        var json = "{\"text\":\"" + string.Concat(Enumerable.Range(0, 9_000).Select(i => $"{i:D9}|")) + "\"}";
        List<ChatMessage> pending =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
        ];

        await store.SaveAsync(org, new StoredResponse(id, "conv-1", json, pending), default);
        var found = await store.FindAsync(org, id, default);

        Assert.NotNull(found);
        Assert.Equal(json, found.ResponseJson);
        Assert.Equal("conv-1", found.ConversationId);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(found.Pending![1].Contents));
        Assert.Equal(("call_1", "get_weather", "Paris"), (call.CallId, call.Name, call.Arguments!["city"]!.ToString()));
        Assert.Equal("Weather in Paris?", found.Pending[0].Text);
    }

    [Fact]
    public async Task FindAndDelete_AnotherOrgsResponse_AbsentAndUntouched()
    {
        var store = Store();
        var owner = OrgId.Parse("responses-owner");
        var other = OrgId.Parse("responses-other");
        var id = NewId();
        await store.SaveAsync(owner, new StoredResponse(id, null, "{}", null), default);

        Assert.Null(await store.FindAsync(other, id, default));
        Assert.False(await store.DeleteAsync(other, id, default));
        Assert.NotNull(await store.FindAsync(owner, id, default));
        Assert.True(await store.DeleteAsync(owner, id, default));
        Assert.Null(await store.FindAsync(owner, id, default));
    }

    [Fact]
    public async Task DeleteAllAsync_Offboarding_RemovesOnlyThatOrgsResponses()
    {
        var store = Store();
        var leaving = OrgId.Parse("responses-leaving");
        var staying = OrgId.Parse("responses-staying");
        var kept = NewId();
        foreach (var i in Enumerable.Range(0, 120))
        {
            await store.SaveAsync(leaving, new StoredResponse(NewId(), null, "{}", null), default);
        }

        await store.SaveAsync(staying, new StoredResponse(kept, null, "{}", null), default);

        await store.DeleteAllAsync(leaving, default);

        var rows = new TableServiceClient(azurite.ConnectionString).GetTableClient(ResponseStore.TableName)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {leaving.Value}"));
        Assert.Empty(await rows.ToListAsync());
        Assert.NotNull(await store.FindAsync(staying, kept, default));
        Assert.Equal("responses", store.Area);
    }

    [Fact]
    public async Task SaveAsync_TooLargeForOneEntity_413AndNothingWritten()
    {
        var store = Store();
        var org = OrgId.Parse("responses-large");
        var id = NewId();

        var error = await Assert.ThrowsAsync<Errors.ApiException>(() => store.SaveAsync(org, new StoredResponse(id, null, new string('x', 16 * 32_000), null), default));

        Assert.Equal(413, error.Status);
        Assert.Null(await store.FindAsync(org, id, default));
    }
}
