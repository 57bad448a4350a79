using System.Text.Json;
using AgentFunctions.DataStore;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using static AgentFunctions.IntegrationTests.DataStore.DataStoreFixture;

namespace AgentFunctions.IntegrationTests.DataStore;

[Collection(DataStoreTestGroup.Name)]
public sealed class DataStoreToolsTests(DataStoreFixture fixture)
{
    private readonly DataStoreTools _tools = new(fixture.Store);

    [Fact]
    public void For_Tools_AreGetPutListWithoutAnyOrgParameter()
    {
        var functions = _tools.For(NewOrg()).Cast<AIFunction>().ToList();

        Assert.Equal(["get_record", "put_record", "list_records"], functions.Select(f => f.Name));
        var parameters = functions.ToDictionary(f => f.Name, f => f.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList());
        Assert.Equal(["collection", "id"], parameters["get_record"]);
        Assert.Equal(["collection", "id", "value"], parameters["put_record"]);
        Assert.Equal(["collection", "limit", "cursor"], parameters["list_records"]);
        var required = functions.ToDictionary(f => f.Name, f => f.JsonSchema.GetProperty("required").EnumerateArray().Select(p => p.GetString()).ToList());
        Assert.Equal(["collection", "id", "value"], required["put_record"]);
        Assert.Equal(["collection"], required["list_records"]);
    }

    [Fact]
    public async Task PutRecord_ThenGetRecord_StoresInBoundOrgOnly()
    {
        var (a, b) = (NewOrg(), NewOrg());
        await fixture.Store.PutAsync(b, "notes", "n1", JsonOf("""{"owner":"b"}"""), DataPrecondition.None, CancellationToken.None);

        var put = await InvokeAsync(a, "put_record", new() { ["collection"] = "notes", ["id"] = "n1", ["value"] = JsonOf("""{"owner":"a"}""") });
        var get = await InvokeAsync(a, "get_record", new() { ["collection"] = "notes", ["id"] = "n1" });

        Assert.Equal("n1", put.GetProperty("id").GetString());
        Assert.Equal("a", get.GetProperty("value").GetProperty("owner").GetString());
        Assert.Equal(put.GetProperty("etag").GetString(), get.GetProperty("etag").GetString());
        Assert.Equal("b", (await fixture.Store.GetAsync(b, "notes", "n1", CancellationToken.None)).Value.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task PutRecord_ExtraOrgArgument_IsIgnored()
    {
        var (a, b) = (NewOrg(), NewOrg());

        await InvokeAsync(a, "put_record", new()
        {
            ["collection"] = "notes", ["id"] = "n1", ["value"] = JsonOf("""{"v":1}"""),
            ["orgId"] = b.Value, ["org"] = b.Value, ["partitionKey"] = b.Value,
        });

        Assert.Single(await fixture.RowsAsync(a));
        Assert.Empty(await fixture.RowsAsync(b));
    }

    [Fact]
    public async Task GetRecord_OtherOrgsRecord_ReturnsNotFound()
    {
        var (a, b) = (NewOrg(), NewOrg());
        await fixture.Store.PutAsync(b, "notes", "secret", JsonOf("""{"v":1}"""), DataPrecondition.None, CancellationToken.None);

        var result = await InvokeAsync(a, "get_record", new() { ["collection"] = "notes", ["id"] = "secret" });

        Assert.Equal("not_found", result.GetProperty("error").GetString());
        Assert.False(result.TryGetProperty("value", out _));
    }

    [Fact]
    public async Task PutRecord_ValueAsJsonString_StoresTheObject()
    {
        var org = NewOrg();

        await InvokeAsync(org, "put_record", new() { ["collection"] = "notes", ["id"] = "n1", ["value"] = """{"text":"hi"}""" });

        Assert.Equal("hi", (await fixture.Store.GetAsync(org, "notes", "n1", CancellationToken.None)).Value.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("../other", "n1", "'collection'")]
    [InlineData("Notes", "n1", "'collection'")]
    [InlineData("notes", "a|b", "'id'")]
    [InlineData("notes", "a/b", "'id'")]
    public async Task PutRecord_HostileKeys_ReturnsErrorAndWritesNothing(string collection, string id, string field)
    {
        var org = NewOrg();

        var result = await InvokeAsync(org, "put_record", new() { ["collection"] = collection, ["id"] = id, ["value"] = JsonOf("{}") });

        Assert.Equal("invalid_request", result.GetProperty("error").GetString());
        Assert.StartsWith(field, result.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutRecord_ValueNotAnObject_ReturnsErrorAndWritesNothing()
    {
        var org = NewOrg();

        var result = await InvokeAsync(org, "put_record", new() { ["collection"] = "notes", ["id"] = "n1", ["value"] = JsonOf("[1,2]") });

        Assert.Equal("invalid_request", result.GetProperty("error").GetString());
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task ListRecords_Paged_ReturnsOwnOrgsRecordsWithCursor()
    {
        var (a, b) = (NewOrg(), NewOrg());
        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            await fixture.Store.PutAsync(a, "items", id, JsonOf("{}"), DataPrecondition.None, CancellationToken.None);
        }

        await fixture.Store.PutAsync(b, "items", "r0", JsonOf("{}"), DataPrecondition.None, CancellationToken.None);

        var first = await InvokeAsync(a, "list_records", new() { ["collection"] = "items", ["limit"] = 2 });
        var second = await InvokeAsync(a, "list_records", new() { ["collection"] = "items", ["cursor"] = first.GetProperty("cursor").GetString() });

        Assert.Equal(["r1", "r2"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(["r3"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.False(second.TryGetProperty("cursor", out var cursor) && cursor.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task ListRecords_LimitOverToolMaximum_ReturnsError()
    {
        var result = await InvokeAsync(NewOrg(), "list_records", new() { ["collection"] = "items", ["limit"] = DataStoreTools.MaxListLimit + 1 });

        Assert.StartsWith("'limit'", result.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> InvokeAsync(OrgId org, string name, AIFunctionArguments arguments)
    {
        var function = _tools.For(org).Cast<AIFunction>().Single(f => f.Name == name);
        var result = await function.InvokeAsync(arguments);
        return Assert.IsType<JsonElement>(result);
    }
}
