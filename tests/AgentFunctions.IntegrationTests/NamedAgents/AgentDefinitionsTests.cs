using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.NamedAgents;

/// <summary>Agent definitions against Azurite: ETags, limits, cycles, tools and two orgs with the same agent name.</summary>
public sealed class AgentDefinitionsTests : IClassFixture<AzuriteFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly IOptions<AgentOptions> Settings =
        Options.Create(new AgentOptions { SystemPrompt = "Org prompt.", MaxOutputTokens = 500, MaxAgentsPerOrg = 3 });

    private readonly AgentDefinitionStore _store;
    private readonly AgentDefinitions _agents;

    public AgentDefinitionsTests(AzuriteFixture azurite)
    {
        _store = new AgentDefinitionStore(new TableProvider(new TableServiceClient(azurite.ConnectionString)), TimeProvider.System, Settings, NullLogger<AgentDefinitionStore>.Instance);
        _agents = new AgentDefinitions(_store, new ConfigurationAgentSettings(Settings), [new NamedTools("get_record", "search_knowledge")], Settings);
    }

    [Fact]
    public async Task PutAsync_SameNameInTwoOrgs_EachReadsOnlyItsOwn()
    {
        var (a, b) = (NewOrg(), NewOrg());

        await _agents.PutAsync(a, "support", Json("""{"instructions":"A's support."}"""), null, false, None);
        await _agents.PutAsync(b, "support", Json("""{"instructions":"B's support."}"""), null, false, None);

        Assert.Equal("A's support.", (await _agents.GetAsync(a, "support", None)).Definition.Instructions);
        Assert.Equal("B's support.", (await _agents.GetAsync(b, "support", None)).Definition.Instructions);
        await _store.DeleteAllAsync(a, None);
        var gone = await Assert.ThrowsAsync<ApiException>(() => _agents.GetAsync(a, "support", None));
        Assert.Equal(ErrorCodes.AgentNotFound, gone.Code);
        Assert.Equal("B's support.", (await _agents.GetAsync(b, "support", None)).Definition.Instructions);
    }

    [Fact]
    public async Task GetAsync_OtherOrgsAgent_NotFoundLikeMissing()
    {
        var (a, b) = (NewOrg(), NewOrg());
        await _agents.PutAsync(a, "sales", Json("{}"), null, false, None);

        var foreign = await Assert.ThrowsAsync<ApiException>(() => _agents.GetAsync(b, "sales", None));
        var missing = await Assert.ThrowsAsync<ApiException>(() => _agents.GetAsync(b, "nobody", None));

        Assert.Equal((404, ErrorCodes.AgentNotFound), (foreign.Status, foreign.Code));
        Assert.Equal(missing.Message.Replace("nobody", "sales", StringComparison.Ordinal), foreign.Message);
    }

    [Fact]
    public async Task PutAsync_RoundTrip_StoresEveryField()
    {
        var org = NewOrg();
        var body = """
            {"description":"d","instructions":"i","model":{"deployment":"gpt-x","temperature":0.5,"maxOutputTokens":100},
             "tools":["get_record"],"knowledge":{"retrievalTop":2},"responseFormat":{"type":"object","required":["a"]},"compaction":true}
            """;

        var (put, created) = await _agents.PutAsync(org, "analyst", Json(body), null, false, None);
        var got = await _agents.GetAsync(org, "analyst", None);

        Assert.True(created);
        Assert.Equal(put.ETag, got.ETag);
        var d = got.Definition;
        Assert.Equal(("d", "i", "gpt-x", 0.5f, 100), (d.Description, d.Instructions, d.Model!.Deployment, d.Model.Temperature!.Value, d.Model.MaxOutputTokens!.Value));
        Assert.Equal(["get_record"], d.Tools!);
        Assert.Equal(2, d.Knowledge!.RetrievalTop);
        Assert.Equal("a", d.ResponseFormat!.Value.GetProperty("required")[0].GetString());
        Assert.True(d.Compaction);
    }

    [Fact]
    public async Task PutAsync_StaleIfMatch_Throws412AndKeepsNewer()
    {
        var org = NewOrg();
        var (first, _) = await _agents.PutAsync(org, "a1", Json("""{"instructions":"1"}"""), null, false, None);
        var (second, created) = await _agents.PutAsync(org, "a1", Json("""{"instructions":"2"}"""), first.ETag, false, None);

        var stale = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(org, "a1", Json("""{"instructions":"3"}"""), first.ETag, false, None));
        var exists = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(org, "a1", Json("""{"instructions":"4"}"""), null, true, None));

        Assert.False(created);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal((412, 412), (stale.Status, exists.Status));
        Assert.Equal("2", (await _agents.GetAsync(org, "a1", None)).Definition.Instructions);
    }

    [Fact]
    public async Task GetAsync_DefaultNotStored_IsOrgSettingsThenOverride()
    {
        var org = NewOrg();

        var before = await _agents.GetAsync(org, "default", None);
        await _agents.PutAsync(org, "default", Json("""{"instructions":"Overridden."}"""), null, false, None);
        var after = await _agents.GetAsync(org, "default", None);
        await _agents.DeleteAsync(org, "default", null, None);

        Assert.False(before.Stored);
        Assert.Equal("Org prompt.", before.Definition.Instructions);
        Assert.Equal("Overridden.", after.Definition.Instructions);
        Assert.Equal("Org prompt.", (await _agents.GetAsync(org, "default", None)).Definition.Instructions);
    }

    [Fact]
    public async Task ListAsync_Paged_IncludesDefaultInNameOrder()
    {
        var org = NewOrg();
        foreach (var name in new[] { "zeta", "alpha", "echo" })
        {
            await _agents.PutAsync(org, name, Json("{}"), null, false, None);
        }

        var first = await _agents.ListAsync(org, 2, null, None);
        var second = await _agents.ListAsync(org, 2, first.Cursor, None);

        Assert.Equal(["alpha", "default"], first.Agents.Select(a => a.Definition.Name));
        Assert.Equal(["echo", "zeta"], second.Agents.Select(a => a.Definition.Name));
        Assert.Null(second.Cursor);
    }

    [Fact]
    public async Task PutAsync_OverOrgLimit_Conflict()
    {
        var org = NewOrg();
        foreach (var name in new[] { "a1", "a2", "a3" })
        {
            await _agents.PutAsync(org, name, Json("{}"), null, false, None);
        }

        var refused = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(org, "a4", Json("{}"), null, false, None));
        await _agents.PutAsync(org, "a3", Json("""{"instructions":"replace is fine"}"""), null, false, None);

        Assert.Equal(409, refused.Status);
        Assert.Equal(3, (await _store.ListAllAsync(org, None)).Count);
    }

    [Fact]
    public async Task PutAsync_CycleThroughStoredAgents_400NamingTheCycleAndNothingWritten()
    {
        var org = NewOrg();
        await _agents.PutAsync(org, "a", Json("{}"), null, false, None);
        await _agents.PutAsync(org, "b", Json("""{"tools":["a"]}"""), null, false, None);

        var refused = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(org, "a", Json("""{"tools":["b"]}"""), null, false, None));

        Assert.Equal(400, refused.Status);
        Assert.Contains("a -> b -> a", refused.Message, StringComparison.Ordinal);
        Assert.Null((await _agents.GetAsync(org, "a", None)).Definition.Tools);
    }

    [Theory]
    [InlineData("""{"tools":["frobnicate"]}""", "frobnicate")]
    [InlineData("""{"tools":["other-org-agent"]}""", "other-org-agent")]
    [InlineData("""{"tools":["put_record"]}""", "put_record")]
    public async Task PutAsync_ToolOrgDoesNotHave_400NamingIt(string body, string tool)
    {
        var (org, other) = (NewOrg(), NewOrg());
        await _agents.PutAsync(other, "other-org-agent", Json("{}"), null, false, None);

        var refused = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(org, "caller", Json(body), null, false, None));

        Assert.Equal(400, refused.Status);
        Assert.Contains($"'{tool}'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await _store.ListAllAsync(org, None));
    }

    [Fact]
    public async Task PutAsync_MaxOutputTokensAboveOrgs_400()
    {
        var refused = await Assert.ThrowsAsync<ApiException>(() => _agents.PutAsync(NewOrg(), "big", Json("""{"model":{"maxOutputTokens":501}}"""), null, false, None));

        Assert.Contains("model.maxOutputTokens", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteAsync_AgentCalledByAnother_ConflictNamingBoth()
    {
        var org = NewOrg();
        await _agents.PutAsync(org, "callee", Json("{}"), null, false, None);
        await _agents.PutAsync(org, "caller", Json("""{"tools":["callee"]}"""), null, false, None);

        var refused = await Assert.ThrowsAsync<ApiException>(() => _agents.DeleteAsync(org, "callee", null, None));
        var missing = await Assert.ThrowsAsync<ApiException>(() => _agents.DeleteAsync(org, "nobody", null, None));

        Assert.Equal(409, refused.Status);
        Assert.Contains("'caller'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.AgentNotFound, missing.Code);
    }

    private static OrgId NewOrg() => OrgId.Parse($"org-{Guid.NewGuid():N}");

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>An org's tools by name only (what the definitions check against).</summary>
    private sealed class NamedTools(params string[] names) : IAgentToolProvider
    {
        public ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<AITool>>([.. names.Select(n => AIFunctionFactory.Create(() => n, n))]);
    }
}
