using System.Text;
using System.Text.Json;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>Org resolution and rejection by the real middleware in the real worker, multitenancy on, no default org.</summary>
[Collection(MultitenantAppGroup.Name)]
public sealed class OrgResolutionTests(MultitenantAppHost host)
{
    public static TheoryData<string> HostileOrgIds =>
    [
        "acme\"", "a'b", "a/b", "a\\b", "a#b", "a?b", "a b", "a;b", "a,b", "a.b", "a%2fb",
        "Acme", "ORG", "-acme", "_acme", "orgé", "组织", "org\u00a0x", new string('a', 65),
    ];

    [Fact]
    public async Task RunAgent_NoOrgHeaderAndNoDefaultOrg_Returns400OrgIdRequiredWithoutModelCall()
    {
        var modelRequests = host.Model!.Requests.Count;

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", orgId: null, new { input = "hello" });
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 400, "org_id_required");
        Assert.Equal(modelRequests, host.Model.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(HostileOrgIds))]
    public async Task RunAgent_HostileOrgHeader_Returns400InvalidOrgIdWithoutModelCallOrStorage(string orgId)
    {
        var modelRequests = host.Model!.Requests.Count;
        // Non-ASCII header values go out as UTF-8, as a hostile client would send them.
        using var client = host.CreateClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 });

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", orgId, new { input = "hello" });
        using var response = await client.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        ProblemAssert.Is(response, body.RootElement, 400, "invalid_org_id");
        Assert.Equal(modelRequests, host.Model.Requests.Count);
        Assert.Empty(await host.ConversationRowsAsync(orgId.ToLowerInvariant().Trim()));
    }

    [Theory]
    [InlineData("api/conversations")]
    [InlineData("api/conversations/abc/messages")]
    public async Task ReadConversations_HostileOrgHeader_Returns400InvalidOrgId(string path)
    {
        using var request = AgentAppHost.Request(HttpMethod.Get, path, "Acme");
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 400, "invalid_org_id");
    }

    [Fact]
    public async Task RunAgent_ValidButUnregisteredOrg_Returns404OrgNotFoundWithoutModelCall()
    {
        var modelRequests = host.Model!.Requests.Count;

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", "never-registered", new { input = "hello" });
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 404, "org_not_found");
        Assert.Equal(modelRequests, host.Model.Requests.Count);
    }

    [Fact]
    public async Task RunAgent_RegisteredOrg_Returns200AndStoresTheTurnInThatOrgOnly()
    {
        await host.RegisterOrgAsync("resolved-org");

        var (_, conversationId) = await host.RunAgentOkAsync("resolved-org", "hello");

        Assert.Equal(["resolved-org"], await host.PartitionsOfConversationAsync(conversationId));
    }
}
