namespace AgentFunctions.EndToEndTests.App;

/// <summary>Multitenancy off: <c>X-Org-Id</c> is ignored and everything acts for the default org (<c>default</c>).</summary>
public sealed class SingleTenantTests(SingleTenantAppHost host) : IClassFixture<SingleTenantAppHost>
{
    [Theory]
    [InlineData(null)]
    [InlineData("acme")]
    [InlineData("Bad!")]
    public async Task RunAgent_AnyOrgHeaderWhileMultitenancyOff_StoredForTheDefaultOrg(string? orgHeader)
    {
        var (_, conversationId) = await host.RunAgentOkAsync(orgHeader, "hello");

        Assert.Equal(["default"], await host.PartitionsOfConversationAsync(conversationId));
        Assert.Contains(conversationId, await host.ConversationIdsAsync(orgId: "someone-else"));
    }
}

/// <summary>Multitenancy on with <c>DEFAULT_ORG_ID=home</c>: no header acts for <c>home</c>; a header acts for its org.</summary>
public sealed class DefaultOrgTests(DefaultOrgAppHost host) : IClassFixture<DefaultOrgAppHost>
{
    [Fact]
    public async Task RunAgent_NoOrgHeader_ActsForTheDefaultOrg()
    {
        await host.RegisterOrgAsync("acme");

        var (_, conversationId) = await host.RunAgentOkAsync(orgId: null, "hello");

        Assert.Equal([DefaultOrgAppHost.DefaultOrg], await host.PartitionsOfConversationAsync(conversationId));
        Assert.Contains(conversationId, await host.ConversationIdsAsync(DefaultOrgAppHost.DefaultOrg));
        Assert.Contains(conversationId, await host.ConversationIdsAsync(orgId: null));
        Assert.DoesNotContain(conversationId, await host.ConversationIdsAsync("acme"));
    }

    [Fact]
    public async Task RunAgent_OrgHeader_ActsForThatOrgNotTheDefault()
    {
        await host.RegisterOrgAsync("acme");

        var (_, conversationId) = await host.RunAgentOkAsync("acme", "hello");

        Assert.Equal(["acme"], await host.PartitionsOfConversationAsync(conversationId));
        Assert.DoesNotContain(conversationId, await host.ConversationIdsAsync(orgId: null));
    }

    [Theory]
    [InlineData("Home")]
    [InlineData("home/")]
    [InlineData("ho me")]
    public async Task RunAgent_InvalidOrgHeader_Returns400AndDoesNotFallBackToTheDefault(string orgId)
    {
        var modelRequests = host.Model!.Requests.Count;

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", orgId, new { input = "hello" });
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 400, "invalid_org_id");
        Assert.Equal(modelRequests, host.Model.Requests.Count);
    }
}
