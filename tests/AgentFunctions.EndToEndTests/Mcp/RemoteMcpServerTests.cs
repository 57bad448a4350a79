using System.Net;
using System.Text.Json.Nodes;
using AgentFunctions.EndToEndTests.Orgs;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.Mcp;

/// <summary>
/// An org's remote MCP servers through the local host and the real worker: an MCP server built with the SDK in this
/// process is registered for one org through the admin API and called by that org's agent when the model (the
/// OpenAI-compatible test server) asks for its tool; it is never offered to another org. The host runs with
/// <c>Mcp__AllowLoopback=true</c> and a 10 s <c>Mcp__CallTimeout</c> (a first connection of a cold worker on a loaded machine takes seconds) (<see cref="OrgsHost"/>).
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed class RemoteMcpServerTests(OrgsHost host) : IAsyncLifetime
{
    private RemoteMcpTestServer _remote = null!;

    public async Task InitializeAsync() => _remote = await RemoteMcpTestServer.StartAsync();

    public async Task DisposeAsync() => await _remote.DisposeAsync();

    [Fact]
    public async Task AgentRun_OrgWithRemoteServer_CallsItsToolAndOtherOrgIsNeverOfferedIt()
    {
        var keyA = await host.RegisterWithKeyAsync("remote-mcp-a");
        var keyB = await host.RegisterWithKeyAsync("remote-mcp-b");
        await PutServerAsync("remote-mcp-a", "crm", new { url = _remote.Endpoint.ToString(), headers = new Dictionary<string, string> { [RemoteMcpTestServer.KeyHeader] = OrgsHost.McpKeySetting } });
        host.Model.Reset();
        host.Model.Enqueue(OpenAiScript.CallTool("crm_lookup", """{"query":"order 42"}"""));

        var answerA = await host.RunAsync("remote-mcp-a", keyA, "Where is order 42?");

        Assert.Contains("remote answer for order 42", answerA["output"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["lookup:order 42"], _remote.Calls);
        Assert.All(_remote.RequestKeys, key => Assert.Equal(OrgsHost.McpKey, key));
        var offeredA = host.Model.ChatRequests[0].ToolNames;
        Assert.Contains("crm_lookup", offeredA);
        Assert.Contains("crm_hang", offeredA);

        host.Model.Reset();
        var requestsBefore = _remote.RequestKeys.Count;
        host.Model.Enqueue(OpenAiScript.CallTool("crm_lookup", """{"query":"order 42"}"""));
        var answerB = await host.RunAsync("remote-mcp-b", keyB, "Where is order 42?");

        Assert.DoesNotContain(host.Model.ChatRequests.SelectMany(r => r.ToolNames), name => name.StartsWith("crm_", StringComparison.Ordinal));
        Assert.DoesNotContain("remote answer", answerB["output"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(requestsBefore, _remote.RequestKeys.Count);
        Assert.Single(_remote.Calls);
    }

    [Fact]
    public async Task AgentRun_NamedAgentSelectsOneRemoteTool_OnlyThatToolIsOffered()
    {
        const string org = "remote-mcp-pick";
        var key = await host.RegisterWithKeyAsync(org);
        await PutServerAsync(org, "crm", new { url = _remote.Endpoint.ToString() });
        using (var put = await host.SendAsync(HttpMethod.Put, "api/agents/orders", org, OrgsHost.Key(key),
            new { instructions = "You look up orders.", tools = new[] { "crm_lookup" } }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        using (var unknown = await host.SendAsync(HttpMethod.Put, "api/agents/typo", org, OrgsHost.Key(key), new { tools = new[] { "crm_lookups" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("crm_lookups", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        host.Model.Reset();
        host.Model.Enqueue(OpenAiScript.CallTool("crm_lookup", """{"query":"order 7"}"""));
        using var run = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key), new { input = "Where is order 7?", agent = "orders" });
        var answer = JsonNode.Parse(await run.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal(["crm_lookup"], host.Model.ChatRequests[0].ToolNames);
        Assert.Contains("remote answer for order 7", answer["output"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("lookup:order 7", _remote.Calls);
    }

    [Fact]
    public async Task AgentRun_RemoteToolHangs_ToolErrorTheModelSeesAndRunSucceeds()
    {
        var key = await host.RegisterWithKeyAsync("remote-mcp-hang");
        await PutServerAsync("remote-mcp-hang", "slow", new { url = _remote.Endpoint.ToString(), allowedTools = new[] { "hang" } });
        host.Model.Reset();
        host.Model.Enqueue(OpenAiScript.CallTool("slow_hang", "{}"));

        var answer = await host.RunAsync("remote-mcp-hang", key, "Call the slow tool");

        var output = answer["output"]!.GetValue<string>();
        Assert.Contains("mcp_timeout", output, StringComparison.Ordinal);
        Assert.Equal(["slow_hang"], host.Model.ChatRequests[0].ToolNames.Where(n => n.StartsWith("slow_", StringComparison.Ordinal)));
        Assert.Contains("hang", _remote.Calls);
    }

    [Fact]
    public async Task AgentRun_ServerDeleted_ToolsNoLongerOffered()
    {
        var key = await host.RegisterWithKeyAsync("remote-mcp-del");
        await PutServerAsync("remote-mcp-del", "gone", new { url = _remote.Endpoint.ToString() });
        host.Model.Reset();
        await host.RunAsync("remote-mcp-del", key, "first");
        Assert.Contains("gone_lookup", host.Model.ChatRequests[0].ToolNames);

        using (var get = await host.SendAsync(HttpMethod.Get, "api/admin/orgs/remote-mcp-del/mcp-servers/gone", null, OrgsHost.Admin))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(_remote.Endpoint.ToString(), JsonNode.Parse(await get.Content.ReadAsStringAsync())!["url"]!.GetValue<string>());
        }

        using (var delete = await host.SendAsync(HttpMethod.Delete, "api/admin/orgs/remote-mcp-del/mcp-servers/gone", null, OrgsHost.Admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        host.Model.Reset();
        await host.RunAsync("remote-mcp-del", key, "second");

        Assert.DoesNotContain(host.Model.ChatRequests[0].ToolNames, name => name.StartsWith("gone_", StringComparison.Ordinal));
        using var missing = await host.SendAsync(HttpMethod.Get, "api/admin/orgs/remote-mcp-del/mcp-servers/gone", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/", "url")]
    [InlineData("https://10.20.30.40/mcp", "url")]
    [InlineData("https://[fd00::1]/mcp", "url")]
    [InlineData("http://example.com/mcp", "url")]
    [InlineData("https://0.0.0.0/mcp", "url")]
    public async Task Put_RefusedAddress_400NamingUrlAndNothingStored(string url, string field)
    {
        await host.RegisterWithKeyAsync("remote-mcp-ssrf");

        using var response = await host.SendAsync(HttpMethod.Put, "api/admin/orgs/remote-mcp-ssrf/mcp-servers/bad", null, OrgsHost.Admin, new { url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"'{field}'", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        using var get = await host.SendAsync(HttpMethod.Get, "api/admin/orgs/remote-mcp-ssrf/mcp-servers/bad", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("Bad_Name", """{"url":"http://127.0.0.1:1/mcp"}""", "name")]
    [InlineData("ok", """{"url":"http://127.0.0.1:1/mcp","headers":{"X-Key":"PLAIN_SECRET_VALUE"}}""", "headers.X-Key")]
    [InlineData("ok", """{"url":"http://127.0.0.1:1/mcp","headers":{"Host":"ORGKEY_X"}}""", "headers")]
    public async Task Put_InvalidDefinition_400NamingTheField(string name, string body, string field)
    {
        await host.RegisterWithKeyAsync("remote-mcp-invalid");

        using var response = await host.SendAsync(HttpMethod.Put, $"api/admin/orgs/remote-mcp-invalid/mcp-servers/{name}", null, OrgsHost.Admin, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"'{field}'", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_EleventhServer_409ButReplacingOneIsAllowed()
    {
        await host.RegisterWithKeyAsync("remote-mcp-many");
        for (var i = 0; i < 10; i++)
        {
            await PutServerAsync("remote-mcp-many", $"s{i}", new { url = _remote.Endpoint.ToString() });
        }

        using var eleventh = await host.SendAsync(HttpMethod.Put, "api/admin/orgs/remote-mcp-many/mcp-servers/s10", null, OrgsHost.Admin, new { url = _remote.Endpoint.ToString() });
        Assert.Equal(HttpStatusCode.Conflict, eleventh.StatusCode);
        await PutServerAsync("remote-mcp-many", "s3", new { url = _remote.Endpoint.ToString() }); // replacing one is not a new one
    }

    private async Task PutServerAsync(string orgId, string name, object body)
    {
        using var response = await host.SendAsync(HttpMethod.Put, $"api/admin/orgs/{orgId}/mcp-servers/{name}", null, OrgsHost.Admin, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT mcp server {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
