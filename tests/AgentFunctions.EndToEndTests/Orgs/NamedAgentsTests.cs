using System.Net;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>Named agents through the local host and the real worker, as the model server receives them.</summary>
[Collection(OrgsHostGroup.Name)]
public sealed class NamedAgentsTests(OrgsHost host)
{
    private const string Schema = """{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""";

    [Fact]
    public async Task RunAgent_TwoAgentsOfOneOrg_ModelGetsEachOnesInstructionsAndDeployment()
    {
        const string org = "agents-two";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "support", new { instructions = "You are support.", model = new { deployment = "support-model" } });
        await PutAgentAsync(org, key, "sales", new { instructions = "You are sales.", model = new { deployment = "sales-model", temperature = 0.5 } });

        var support = await RunAsync(org, key, new { input = "help me", agent = "support" });
        var supportRequest = host.Model.ChatRequests[^1];
        var sales = await RunAsync(org, key, new { input = "buy", agent = "sales" });
        var salesRequest = host.Model.ChatRequests[^1];

        Assert.Equal(("You are support.", "support-model", "help me"), (supportRequest.SystemPrompt, supportRequest.Model, supportRequest.LastUserMessage));
        Assert.Equal(("You are sales.", "sales-model", "buy"), (salesRequest.SystemPrompt, salesRequest.Model, salesRequest.LastUserMessage));
        Assert.Equal(0.5, salesRequest.Temperature!.Value, 3);
        Assert.Equal(("support", "sales"), (support["agent"]!.GetValue<string>(), sales["agent"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RunAgent_AnotherOrgsAgentName_404WithoutModelCall()
    {
        const string owner = "agents-owner";
        const string other = "agents-other";
        var ownerKey = await host.RegisterWithKeyAsync(owner);
        var otherKey = await host.RegisterWithKeyAsync(other);
        await PutAgentAsync(owner, ownerKey, "secret-agent", new { instructions = "Owner only." });
        var before = host.ModelRequestCount;

        using var run = await host.SendAsync(HttpMethod.Post, "api/agent/run", other, OrgsHost.Key(otherKey), new { input = "hi", agent = "secret-agent" });
        using var get = await host.SendAsync(HttpMethod.Get, "api/agents/secret-agent", other, OrgsHost.Key(otherKey));
        var list = await host.GetTextAsync("api/agents", other, otherKey);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (run.StatusCode, get.StatusCode));
        Assert.Equal("agent_not_found", JsonNode.Parse(await run.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Equal(before, host.ModelRequestCount);
        Assert.DoesNotContain("secret-agent", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitJob_UnknownOrAnotherOrgsAgent_404AtSubmitNothingStoredNoModelCall()
    {
        const string owner = "agents-job-owner";
        const string other = "agents-job-other";
        var ownerKey = await host.RegisterWithKeyAsync(owner);
        var otherKey = await host.RegisterWithKeyAsync(other);
        await PutAgentAsync(owner, ownerKey, "owners-agent", new { instructions = "Owner only." });
        var before = host.ModelRequestCount;

        using var foreign = await host.SendAsync(HttpMethod.Post, "api/jobs", other, OrgsHost.Key(otherKey), new { input = "hi", agent = "owners-agent" });
        using var unknown = await host.SendAsync(HttpMethod.Post, "api/jobs", other, OrgsHost.Key(otherKey), new { input = "hi", agent = "nobody" });

        foreach (var (response, name) in new[] { (foreign, "owners-agent"), (unknown, "nobody") })
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("agent_not_found", problem["code"]!.GetValue<string>());
            Assert.Contains($"'{name}'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The row is written before the message is queued: no row of the org means nothing was queued either.
        var jobs = new TableClient(host.Azurite.ConnectionString, "Jobs");
        await jobs.CreateIfNotExistsAsync();
        Assert.Empty(await jobs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {other}")).ToListAsync());
        Assert.Equal(before, host.ModelRequestCount);
    }

    [Fact]
    public async Task RunAgent_ConversationContinuedWithAnotherAgent_409NamingBoth()
    {
        const string org = "agents-switch";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "first", new { instructions = "First." });
        var conversation = (await RunAsync(org, key, new { input = "start", agent = "first" }))["conversationId"]!.GetValue<string>();
        var before = host.ModelRequestCount;

        using var response = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key), new { input = "switch", conversationId = conversation });
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("'first'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("'default'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, host.ModelRequestCount);
    }

    [Fact]
    public async Task RunAgent_AgentAsTool_CalleeAnswersWithItsOwnInstructionsAndFreshContext()
    {
        const string org = "agents-tool";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "expert", new { description = "Knows the answer.", instructions = "You are the expert." });
        await PutAgentAsync(org, key, "boss", new { instructions = "You delegate.", tools = new[] { "expert" } });
        host.Model.Enqueue(OpenAiScript.CallTool("expert", """{"query":"the sub-question"}"""), OpenAiScript.Reply("forty-two"));
        var before = host.Model.ChatRequests.Count;

        var result = await RunAsync(org, key, new { input = "the question", agent = "boss" });

        var requests = host.Model.ChatRequests.Skip(before).ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal(["expert"], requests[0].ToolNames);
        Assert.Equal(("You are the expert.", "the sub-question"), (requests[1].SystemPrompt, requests[1].LastUserMessage));
        Assert.Equal(2, requests[1].Messages.Count); // its own instructions and the question: nothing of the caller's context
        Assert.Contains("forty-two", requests[2].Messages[^1].Content, StringComparison.Ordinal); // the callee's answer is the tool result
        Assert.StartsWith("Tool result: ", result["output"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_StructuredOutputValid_OutputParsedAndTextKept()
    {
        const string org = "agents-structured";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "counter", new { responseFormat = JsonNode.Parse(Schema) });
        host.Model.Enqueue(OpenAiScript.Reply("""{"n":7}"""));

        var result = await RunAsync(org, key, new { input = "count", agent = "counter" });

        Assert.Equal(7, result["output"]!["n"]!.GetValue<int>());
        Assert.Equal("""{"n":7}""", result["text"]!.GetValue<string>());
        var format = host.Model.ChatRequests[^1].Json.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("integer", format.GetProperty("json_schema").GetProperty("schema").GetProperty("properties").GetProperty("n").GetProperty("type").GetString());
    }

    [Fact]
    public async Task RunAgent_StructuredOutputInvalidTwice_502AndNothingStored()
    {
        const string org = "agents-invalid";
        var key = await host.RegisterWithKeyAsync(org);
        host.Model.Enqueue(OpenAiScript.Reply("not json"), OpenAiScript.Reply("""{"n":"seven"}"""));
        var before = host.Model.ChatRequests.Count;

        using var response = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key),
            new { input = "count", conversationId = "structured-1", responseFormat = JsonNode.Parse(Schema) });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("invalid_model_output", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Equal(before + 2, host.Model.ChatRequests.Count);
        using var messages = await host.SendAsync(HttpMethod.Get, "api/conversations/structured-1/messages", org, OrgsHost.Key(key));
        Assert.Equal(HttpStatusCode.NotFound, messages.StatusCode);
    }

    [Fact]
    public async Task PutAgent_BadDefinitions_400NamingTheProblemAndNothingStored()
    {
        const string org = "agents-bad";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "a", new { });
        await PutAgentAsync(org, key, "b", new { tools = new[] { "a" } });

        foreach (var (name, body, expected) in new (string, object, string)[]
        {
            ("c", new { tools = new[] { "frobnicate" } }, "'frobnicate'"),
            ("a", new { tools = new[] { "b" } }, "in a cycle"),
            ("c", new { responseFormat = new { type = "objekt" } }, "responseFormat"),
            ("c", new { instructions = new string('x', 16_001) }, "instructions"),
        })
        {
            using var response = await host.SendAsync(HttpMethod.Put, $"api/agents/{name}", org, OrgsHost.Key(key), body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains(expected, JsonNode.Parse(text)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using var missing = await host.SendAsync(HttpMethod.Get, "api/agents/c", org, OrgsHost.Key(key));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task PutAgent_StaleIfMatch_412()
    {
        const string org = "agents-etag";
        var key = await host.RegisterWithKeyAsync(org);
        using var first = await host.SendAsync(HttpMethod.Put, "api/agents/one", org, OrgsHost.Key(key), new { instructions = "1" });
        var etag = first.Headers.ETag!.ToString();
        await PutAgentAsync(org, key, "one", new { instructions = "2" });

        using var request = new HttpRequestMessage(HttpMethod.Put, "api/agents/one") { Content = JsonContent(new { instructions = "3" }) };
        request.Headers.Add("X-Org-Id", org);
        request.Headers.Add("X-Api-Key", key);
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var stale = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("\"instructions\":\"2\"", await host.GetTextAsync("api/agents/one", org, key), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_CompactionPastWindow_SummaryCallRecordedAndLaterTurnsCarryItAheadOfWindow()
    {
        const string org = "agents-compaction";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "memo", new { instructions = "You remember.", compaction = true });
        var conversation = await TurnsAsync(org, key, "memo", WindowTurns);
        var before = host.Model.ChatRequests.Count;

        // One more turn pushes the first turn out of the window: answered, then folded by one more call.
        host.Model.Enqueue(OpenAiScript.Reply("answer past the window"), OpenAiScript.Reply("SUMMARY: the user first asked q0."));
        var past = await RunAsync(org, key, new { input = $"q{WindowTurns}", agent = "memo", conversationId = conversation });
        var summaryCall = host.Model.ChatRequests[^1];
        await RunAsync(org, key, new { input = "and now?", agent = "memo", conversationId = conversation });

        // That turn pushed q1 and its answer out in turn: its run, then its own summary call.
        var next = host.Model.ChatRequests[^2];
        Assert.Equal("answer past the window", past["output"]!.GetValue<string>());
        Assert.Equal(before + 4, host.Model.ChatRequests.Count);
        Assert.Contains(host.Model.ChatRequests[^1].Messages, m => m.Content == "SUMMARY: the user first asked q0.");
        Assert.Equal(["q0", "Echo: q0"], summaryCall.Messages.Where(m => m.Role is "user" or "assistant").Select(m => m.Content));
        Assert.Equal(512, summaryCall.MaxTokens);
        Assert.Equal(("system", "You remember."), (next.Messages[0].Role, next.Messages[0].Content));
        Assert.Equal(("system", "Summary of the earlier conversation: SUMMARY: the user first asked q0."), (next.Messages[1].Role, next.Messages[1].Content));
        Assert.Equal(("user", "q1"), (next.Messages[2].Role, next.Messages[2].Content));
        Assert.Equal("and now?", next.LastUserMessage);
        Assert.DoesNotContain(next.Messages, m => m.Content == "q0");
    }

    [Fact]
    public async Task RunAgent_CompactionOffPastWindow_NoSummaryCallWindowAlone()
    {
        const string org = "agents-no-compaction";
        var key = await host.RegisterWithKeyAsync(org);
        await PutAgentAsync(org, key, "plain", new { instructions = "You forget." });
        var conversation = await TurnsAsync(org, key, "plain", WindowTurns + 1);
        var before = host.Model.ChatRequests.Count;

        await RunAsync(org, key, new { input = "and now?", agent = "plain", conversationId = conversation });
        var next = host.Model.ChatRequests[^1];

        Assert.Equal(before + 1, host.Model.ChatRequests.Count);
        Assert.Equal(["You forget."], next.Messages.Where(m => m.Role == "system").Select(m => m.Content));
        Assert.Equal(("user", "q1"), (next.Messages[1].Role, next.Messages[1].Content));
    }

    /// <summary>Turns that fill the default history window (<c>Agent__HistoryMessages</c> = 20 messages) exactly.</summary>
    private const int WindowTurns = 10;

    /// <summary><paramref name="turns"/> turns q0, q1, ... of a new conversation with <paramref name="agent"/>; its id.</summary>
    private async Task<string> TurnsAsync(string org, string key, string agent, int turns)
    {
        string? conversation = null;
        for (var i = 0; i < turns; i++)
        {
            var result = await RunAsync(org, key, new { input = $"q{i}", agent, conversationId = conversation });
            conversation = result["conversationId"]!.GetValue<string>();
        }

        return conversation!;
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private async Task PutAgentAsync(string org, string key, string name, object definition)
    {
        using var response = await host.SendAsync(HttpMethod.Put, $"api/agents/{name}", org, OrgsHost.Key(key), definition);
        Assert.True(response.IsSuccessStatusCode, $"PUT agent {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonObject> RunAsync(string org, string key, object body)
    {
        using var response = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"run for {org}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
