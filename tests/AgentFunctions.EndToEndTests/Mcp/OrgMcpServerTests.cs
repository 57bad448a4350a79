using System.Net;
using System.Text;
using System.Text.Json;
using AgentFunctions.EndToEndTests.Orgs;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.EndToEndTests.Mcp;

/// <summary>
/// <c>/api/mcp</c> through the local host and the real worker, reached with the MCP SDK's own client and an org key as
/// the bearer credential, as an MCP host would.
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed class OrgMcpServerTests(OrgsHost host)
{
    [Fact]
    public async Task ListTools_OrgKey_OffersAgentKnowledgeAndDataToolsWithoutOrgArgument()
    {
        var key = await host.RegisterWithKeyAsync("mcp-tools");
        await using var client = await ConnectAsync(key);

        var tools = await client.ListToolsAsync();

        Assert.Equal(["ask_agent", "get_record", "list_records", "put_record", "search_knowledge"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.DoesNotContain(t.JsonSchema.GetProperty("properties").EnumerateObject(), p => p.Name.Contains("org", StringComparison.OrdinalIgnoreCase)));
        Assert.True(tools.Single(t => t.Name == "get_record").ProtocolTool.Annotations?.ReadOnlyHint);
        Assert.True(tools.Single(t => t.Name == "search_knowledge").ProtocolTool.Annotations?.ReadOnlyHint);
        Assert.False(tools.Single(t => t.Name == "put_record").ProtocolTool.Annotations?.ReadOnlyHint);
        var input = tools.Single(t => t.Name == "ask_agent").JsonSchema.GetProperty("properties");
        Assert.Equal(["agent", "conversationId", "input"], input.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SearchKnowledge_SameQueryTwoOrgs_EachFindsOnlyItsOwnDocument()
    {
        var keyA = await host.RegisterWithKeyAsync("mcp-kb-a");
        var keyB = await host.RegisterWithKeyAsync("mcp-kb-b");
        using (var put = await host.SendAsync(HttpMethod.Put, "api/documents/vault-codes", "mcp-kb-a", OrgsHost.Key(keyA),
            new { title = "Vault codes", content = "The vault code of the north office is 4711." }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await using var clientA = await ConnectAsync(keyA);
        await using var clientB = await ConnectAsync(keyB);
        var arguments = new Dictionary<string, object?> { ["query"] = "vault code north office" };

        var foundA = await clientA.CallToolAsync("search_knowledge", arguments);
        var foundB = await clientB.CallToolAsync("search_knowledge", arguments);

        Assert.NotEqual(true, foundA.IsError);
        Assert.Contains("vault-codes", Text(foundA), StringComparison.Ordinal);
        Assert.NotEqual(true, foundB.IsError);
        Assert.DoesNotContain("vault-codes", Text(foundB), StringComparison.Ordinal);
        Assert.DoesNotContain("4711", Text(foundB), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskAgent_ThenContinue_AnswersAndReturnsConversationIdTheModelSeesAgain()
    {
        var key = await host.RegisterWithKeyAsync("mcp-ask");
        await using var client = await ConnectAsync(key);

        var first = await client.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["input"] = "first question over mcp" });
        Assert.NotEqual(true, first.IsError);
        using var answer = JsonDocument.Parse(Text(first));
        Assert.Equal("Echo: first question over mcp", answer.RootElement.GetProperty("output").GetString());
        var conversationId = answer.RootElement.GetProperty("conversationId").GetString();

        var second = await client.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["input"] = "second question", ["conversationId"] = conversationId });

        Assert.NotEqual(true, second.IsError);
        var history = await host.GetTextAsync($"api/conversations/{conversationId}/messages", "mcp-ask", key);
        Assert.Contains("first question over mcp", history, StringComparison.Ordinal);
        Assert.Contains("second question", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskAgent_NamedAgent_ModelGetsItsInstructionsAndAnotherOrgCannotNameIt()
    {
        var ownerKey = await host.RegisterWithKeyAsync("mcp-agent-owner");
        var otherKey = await host.RegisterWithKeyAsync("mcp-agent-other");
        using (var put = await host.SendAsync(HttpMethod.Put, "api/agents/support", "mcp-agent-owner", OrgsHost.Key(ownerKey),
            new { instructions = "You are the owner's support desk.", model = new { deployment = "support-model" } }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        await using var owner = await ConnectAsync(ownerKey);
        await using var other = await ConnectAsync(otherKey);
        var arguments = new Dictionary<string, object?> { ["input"] = "help over mcp", ["agent"] = "support" };

        var answered = await owner.CallToolAsync("ask_agent", arguments);
        var request = host.Model.ChatRequests[^1];
        var before = host.ModelRequestCount;
        var refused = await other.CallToolAsync("ask_agent", arguments);
        var malformed = await owner.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["input"] = "hi", ["agent"] = "Not A Name" });

        Assert.NotEqual(true, answered.IsError);
        using var answer = JsonDocument.Parse(Text(answered));
        Assert.Equal("support", answer.RootElement.GetProperty("agent").GetString());
        Assert.Equal(("You are the owner's support desk.", "support-model", "help over mcp"), (request.SystemPrompt, request.Model, request.LastUserMessage));
        Assert.True(refused.IsError);
        Assert.Contains("agent_not_found", Text(refused), StringComparison.Ordinal);
        Assert.DoesNotContain("support desk", Text(refused), StringComparison.Ordinal);
        Assert.True(malformed.IsError);
        Assert.Contains("'agent'", Text(malformed), StringComparison.Ordinal);
        Assert.Equal(before, host.ModelRequestCount);
    }

    [Fact]
    public async Task CallTool_BadArgumentsOrAnotherOrgsRecord_ToolErrorsNamingTheProblem()
    {
        var keyA = await host.RegisterWithKeyAsync("mcp-data-a");
        var keyB = await host.RegisterWithKeyAsync("mcp-data-b");
        await using var clientA = await ConnectAsync(keyA);
        await using var clientB = await ConnectAsync(keyB);
        var written = await clientA.CallToolAsync("put_record", new Dictionary<string, object?>
        {
            ["collection"] = "notes", ["id"] = "n1", ["value"] = new Dictionary<string, object?> { ["text"] = "secret of a" },
        });
        Assert.NotEqual(true, written.IsError);

        var foreign = await clientB.CallToolAsync("get_record", new Dictionary<string, object?> { ["collection"] = "notes", ["id"] = "n1" });
        var badCollection = await clientA.CallToolAsync("get_record", new Dictionary<string, object?> { ["collection"] = "Bad|Name", ["id"] = "n1" });
        var emptyInput = await clientA.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["input"] = " " });
        var own = await clientA.CallToolAsync("get_record", new Dictionary<string, object?> { ["collection"] = "notes", ["id"] = "n1" });

        Assert.True(foreign.IsError);
        Assert.Contains("not_found", Text(foreign), StringComparison.Ordinal);
        Assert.DoesNotContain("secret of a", Text(foreign), StringComparison.Ordinal);
        Assert.True(badCollection.IsError);
        Assert.Contains("collection", Text(badCollection), StringComparison.Ordinal);
        Assert.True(emptyInput.IsError);
        Assert.Contains("'input' is required", Text(emptyInput), StringComparison.Ordinal);
        Assert.Contains("secret of a", Text(own), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_UnknownTool_JsonRpcErrorNotToolResult()
    {
        var key = await host.RegisterWithKeyAsync("mcp-protocol");
        await using var client = await ConnectAsync(key);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool").AsTask());

        Assert.Contains("no_such_tool", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("afk.mcp-unauth.nokey.bm90LWEta2V5")]
    public async Task Post_NoOrBadCredential_401BeforeAnyMcpProcessing(string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask_agent","arguments":{"input":"hi"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        var before = host.ModelRequestCount;
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, host.ModelRequestCount);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => ConnectAsync(bearer));
    }

    [Fact]
    public async Task Get_OrgKey_405AllowPost()
    {
        var key = await host.RegisterWithKeyAsync("mcp-get");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/mcp");
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    private Task<McpClient> ConnectAsync(string? apiKey) => OrgMcp.ConnectAsync(host.BaseAddress, apiKey);

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
}
