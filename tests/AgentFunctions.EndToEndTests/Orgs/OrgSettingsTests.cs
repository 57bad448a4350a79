namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>Per-org settings from the admin API, observed in what reaches the model server; a change applies to the next run.</summary>
[Collection(OrgsHostGroup.Name)]
public sealed class OrgSettingsTests(OrgsHost host)
{
    [Fact]
    public async Task RunAgent_OrgSettingsThenChanged_ModelReceivesEachVersion()
    {
        const string org = "settings-org";
        var key = await host.RegisterWithKeyAsync(org, new
        {
            displayName = "Settings",
            systemPrompt = "You answer as the first settings.",
            model = new { deployment = "org-model-one", temperature = 0.25, maxOutputTokens = 64 },
        });

        await host.RunAsync(org, key, "first run");
        var first = host.Model.ChatRequests[^1];
        await host.PutOrgAsync(org, new
        {
            displayName = "Settings",
            systemPrompt = "You answer as the second settings.",
            model = new { deployment = "org-model-two", temperature = 0.75, maxOutputTokens = 128 },
        });
        await host.RunAsync(org, key, "second run");
        var second = host.Model.ChatRequests[^1];

        Assert.Equal(("first run", "You answer as the first settings.", "org-model-one", 64), (first.LastUserMessage, first.SystemPrompt, first.Model, first.MaxTokens));
        Assert.Equal(0.25, first.Temperature!.Value, 3);
        Assert.Equal(("second run", "You answer as the second settings.", "org-model-two", 128), (second.LastUserMessage, second.SystemPrompt, second.Model, second.MaxTokens));
        Assert.Equal(0.75, second.Temperature!.Value, 3);
    }

    [Fact]
    public async Task RunAgent_OrgWithoutSettings_UsesThePlatformDefaults()
    {
        const string org = "settings-plain";
        var key = await host.RegisterWithKeyAsync(org);

        await host.RunAsync(org, key, "plain run");

        var request = host.Model.ChatRequests[^1];
        Assert.Equal(("plain run", OrgsHost.PlatformModel, $"Bearer {OrgsHost.PlatformModelKey}"), (request.LastUserMessage, request.Model, request.Headers["Authorization"]));
        Assert.Null(request.MaxTokens);
    }

    [Fact]
    public async Task RunAgent_OrgOwnEndpoint_SentThereWithItsKeyOthersStayOnPlatformAndRemovingItSwitchesBack()
    {
        const string org = "settings-byo";
        const string neighbour = "settings-neighbour";
        var key = await host.RegisterWithKeyAsync(org, new
        {
            displayName = "Own endpoint",
            model = new { deployment = "byo-deployment", endpoint = host.OwnModel.OpenAIEndpoint.ToString(), apiKeySetting = OrgsHost.OwnEndpointKeySetting },
        });
        var neighbourKey = await host.RegisterWithKeyAsync(neighbour);
        var ownBefore = host.OwnModel.ChatRequests.Count;

        await host.RunAsync(org, key, "to my own endpoint");
        await host.RunAsync(neighbour, neighbourKey, "to the platform");
        var own = host.OwnModel.ChatRequests;
        var neighbourRequest = host.Model.ChatRequests[^1];
        await host.PutOrgAsync(org, new { displayName = "Own endpoint removed" });
        await host.RunAsync(org, key, "back on the platform");

        Assert.Equal(ownBefore + 1, own.Count);
        Assert.Equal(("to my own endpoint", "byo-deployment", $"Bearer {OrgsHost.OwnEndpointKey}"), (own[^1].LastUserMessage, own[^1].Model, own[^1].Headers["Authorization"]));
        Assert.Equal(("to the platform", $"Bearer {OrgsHost.PlatformModelKey}"), (neighbourRequest.LastUserMessage, neighbourRequest.Headers["Authorization"]));
        Assert.Equal(own.Count, host.OwnModel.ChatRequests.Count);
        Assert.Equal(("back on the platform", OrgsHost.PlatformModel), (host.Model.ChatRequests[^1].LastUserMessage, host.Model.ChatRequests[^1].Model));
    }
}
