using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.DataStore;
using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static AgentFunctions.IntegrationTests.DataStore.DataStoreFixture;

namespace AgentFunctions.IntegrationTests.DataStore;

/// <summary>
/// The data store tools inside a real agent run: the app's registrations, the OpenAI client against the
/// OpenAI-compatible test server (scripted tool calls), conversations and records in Azurite.
/// </summary>
[Collection(DataStoreTestGroup.Name)]
public sealed class DataStoreAgentTests(DataStoreFixture fixture) : IAsyncLifetime
{
    private OpenAiTestServer _server = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = fixture.ConnectionString,
            ["OpenAI:Endpoint"] = _server.OpenAIEndpoint.ToString(),
            ["OpenAI:ApiKey"] = "test-key",
            ["OpenAI:ChatModel"] = "chat-model",
            ["Model:RetryDelay"] = "00:00:00.010",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddStorage(configuration).AddConversations().AddDataStore().AddModels().AddAgents();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_ModelCallsPutThenGetRecord_RecordLandsInRunsOrgOnly()
    {
        var (org, other) = (NewOrg(), NewOrg());
        var otherEtag = await fixture.Store.PutAsync(other, "notes", "n1", JsonOf("""{"owner":"other"}"""), DataPrecondition.None, CancellationToken.None);
        _server.Enqueue(
            OpenAiScript.CallTool("put_record", """{"collection":"notes","id":"n1","value":{"owner":"me","text":"remember this"}}"""),
            OpenAiScript.CallTool("get_record", """{"collection":"notes","id":"n1","orgId":"OTHER"}"""));
        var agent = _services.GetRequiredService<IAgent>();

        var result = await agent.RunAsync(org, new AgentRunRequest("Remember this, then read it back.", null), null, CancellationToken.None);

        var stored = await fixture.Store.GetAsync(org, "notes", "n1", CancellationToken.None);
        Assert.Equal("""{"owner":"me","text":"remember this"}""", stored.Value.GetRawText());
        var untouched = await fixture.Store.GetAsync(other, "notes", "n1", CancellationToken.None);
        Assert.Equal((otherEtag, """{"owner":"other"}"""), (untouched.ETag, untouched.Value.GetRawText()));

        var requests = _server.ChatRequests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(["get_record", "put_record", "list_records"], r.ToolNames));
        var readBack = ToolResult(requests[2]);
        Assert.Equal("me", readBack.GetProperty("value").GetProperty("owner").GetString());
        Assert.Equal(stored.ETag, readBack.GetProperty("etag").GetString());
        Assert.DoesNotContain("\"other\"", requests[2].Body, StringComparison.Ordinal);
        Assert.StartsWith("Tool result:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelListsRecords_SeesOnlyItsOrgsCollection()
    {
        var (org, other) = (NewOrg(), NewOrg());
        await fixture.Store.PutAsync(org, "tasks", "t1", JsonOf("""{"title":"mine"}"""), DataPrecondition.None, CancellationToken.None);
        await fixture.Store.PutAsync(other, "tasks", "t0", JsonOf("""{"title":"theirs"}"""), DataPrecondition.None, CancellationToken.None);
        _server.Enqueue(OpenAiScript.CallTool("list_records", """{"collection":"tasks"}"""));

        await _services.GetRequiredService<IAgent>().RunAsync(org, new AgentRunRequest("What are my tasks?", null), null, CancellationToken.None);

        var listed = ToolResult(_server.ChatRequests[^1]);
        Assert.Equal(["t1"], listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.DoesNotContain("theirs", _server.ChatRequests[^1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelSendsHostileCollection_GetsErrorAndNothingIsWritten()
    {
        var org = NewOrg();
        _server.Enqueue(OpenAiScript.CallTool("put_record", """{"collection":"../other-org","id":"n1","value":{"x":1}}"""));

        await _services.GetRequiredService<IAgent>().RunAsync(org, new AgentRunRequest("Write it.", null), null, CancellationToken.None);

        Assert.Equal("invalid_request", ToolResult(_server.ChatRequests[^1]).GetProperty("error").GetString());
        Assert.Empty(await fixture.RowsAsync(org));
    }

    /// <summary>The content of the last message of a request, which is the tool result the pipeline sent back.</summary>
    private static JsonElement ToolResult(OpenAiRecordedRequest request)
    {
        var last = request.Json.GetProperty("messages").EnumerateArray().Last();
        Assert.Equal("tool", last.GetProperty("role").GetString());
        using var document = JsonDocument.Parse(last.GetProperty("content").GetString()!);
        return document.RootElement.Clone();
    }
}
