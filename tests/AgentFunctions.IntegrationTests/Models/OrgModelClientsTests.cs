using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Models;

/// <summary>
/// Per-org chat clients: an org with its own endpoint (a second test server) is sent there with the key from the
/// app setting it names; every other org shares the app's client; a new settings version rebuilds the org's client.
/// </summary>
public sealed class OrgModelClientsTests : IAsyncLifetime
{
    private const string PlatformKey = "platform-secret";
    private const string OrgKeySetting = "ORG_BYO_MODEL_KEY";
    private const string OrgKey = "org-own-secret";
    private static readonly OrgId OrgA = OrgId.Parse("org-a");
    private static readonly OrgId OrgB = OrgId.Parse("org-b");
    private OpenAiTestServer _platform = null!;
    private OpenAiTestServer _own = null!;

    public static TheoryData<string> Providers => ["azure", "openai"];

    public async Task InitializeAsync()
    {
        _platform = await OpenAiTestServer.StartAsync();
        _own = await OpenAiTestServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _platform.DisposeAsync();
        await _own.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetChatClient_OrgWithOwnEndpoint_SendsThereWithTheNamedKeyOthersKeepThePlatform(string provider)
    {
        using var services = Services(provider);
        var models = services.GetRequiredService<IModelClients>();

        await Ask(await models.GetChatClientAsync(OrgA, new ChatModelTarget("org-deployment", OwnEndpoint(provider), OrgKeySetting, Version: 1), CancellationToken.None), "from a");
        await Ask(await models.GetChatClientAsync(OrgB, new ChatModelTarget(Version: 4), CancellationToken.None), "from b");

        var own = Assert.Single(_own.ChatRequests);
        Assert.Equal("from a", own.LastUserMessage);
        var platform = Assert.Single(_platform.ChatRequests);
        Assert.Equal("from b", platform.LastUserMessage);
        if (provider == "azure")
        {
            Assert.StartsWith("/openai/deployments/org-deployment/", own.PathAndQuery, StringComparison.Ordinal);
            Assert.Equal(OrgKey, own.Headers["api-key"]);
            Assert.StartsWith("/openai/deployments/chat-deployment/", platform.PathAndQuery, StringComparison.Ordinal);
            Assert.Equal(PlatformKey, platform.Headers["api-key"]);
        }
        else
        {
            Assert.Equal(("org-deployment", $"Bearer {OrgKey}"), (own.Model, own.Headers["Authorization"]));
            Assert.Equal(("chat-model", $"Bearer {PlatformKey}"), (platform.Model, platform.Headers["Authorization"]));
        }
    }

    [Fact]
    public async Task GetChatClient_OrgsWithoutOwnEndpoint_ShareThePlatformClientPerModel()
    {
        using var services = Services("openai");
        var models = services.GetRequiredService<IModelClients>();

        var a = await models.GetChatClientAsync(OrgA, new ChatModelTarget(Version: 1), CancellationToken.None);
        var b = await models.GetChatClientAsync(OrgB, new ChatModelTarget(Version: 9), CancellationToken.None);
        var other = await models.GetChatClientAsync(OrgB, new ChatModelTarget("other-model", Version: 9), CancellationToken.None);

        Assert.Same(a, b);
        Assert.Same(models.GetChatClient(), a);
        Assert.NotSame(a, other);
    }

    [Fact]
    public async Task GetChatClient_SettingsVersionChanges_RebuildsTheOrgsClientAndFollowsTheNewSettings()
    {
        using var services = Services("openai");
        var models = services.GetRequiredService<IModelClients>();
        var v1 = new ChatModelTarget("org-deployment", _own.OpenAIEndpoint, OrgKeySetting, Version: 1);

        var first = await models.GetChatClientAsync(OrgA, v1, CancellationToken.None);
        var again = await models.GetChatClientAsync(OrgA, v1 with { }, CancellationToken.None);
        var v2 = await models.GetChatClientAsync(OrgA, v1 with { Model = "renamed", Version = 2 }, CancellationToken.None);
        await Ask(v2, "after the change");
        var v3 = await models.GetChatClientAsync(OrgA, new ChatModelTarget(Version: 3), CancellationToken.None); // back to the app's endpoint
        await Ask(v3, "own endpoint removed");

        Assert.Same(first, again);
        Assert.NotSame(first, v2);
        Assert.Equal("renamed", Assert.Single(_own.ChatRequests).Model);
        Assert.Equal("own endpoint removed", Assert.Single(_platform.ChatRequests).LastUserMessage);
        Assert.NotSame(v2, await models.GetChatClientAsync(OrgA, v1 with { Version = 4 }, CancellationToken.None));
    }

    [Fact]
    public async Task GetChatClient_SameVersionOfAnotherOrg_DoesNotShareTheOwnClient()
    {
        using var services = Services("openai", ("OTHER_KEY", "other-secret"));
        var models = services.GetRequiredService<IModelClients>();

        var a = await models.GetChatClientAsync(OrgA, new ChatModelTarget("org-deployment", _own.OpenAIEndpoint, OrgKeySetting, Version: 1), CancellationToken.None);
        var b = await models.GetChatClientAsync(OrgB, new ChatModelTarget("org-deployment", _own.OpenAIEndpoint, "OTHER_KEY", Version: 1), CancellationToken.None);
        await Ask(b, "from b");

        Assert.NotSame(a, b);
        Assert.Equal("Bearer other-secret", Assert.Single(_own.ChatRequests).Headers["Authorization"]);
    }

    [Fact]
    public async Task GetChatClient_NamedKeySettingUnset_Throws503NamingTheSettingAndSendsNothing()
    {
        using var services = Services("openai");
        var models = services.GetRequiredService<IModelClients>();

        var error = await Assert.ThrowsAsync<ApiException>(() => models.GetChatClientAsync(OrgA, new ChatModelTarget("d", _own.OpenAIEndpoint, "NO_SUCH_SETTING", 1), CancellationToken.None));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Contains("NO_SUCH_SETTING", error.Message, StringComparison.Ordinal);
        Assert.Empty(_own.Requests);
    }

    [Fact]
    public async Task GetChatClient_NamedKeySettingIsAnUnresolvedKeyVaultReference_Throws503AndNeverSendsIt()
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/ORGKEY-ACME)";
        using var services = Services("openai", ("ORGKEY_ACME", reference));
        var models = services.GetRequiredService<IModelClients>();

        var error = await Assert.ThrowsAsync<ApiException>(() => models.GetChatClientAsync(OrgA, new ChatModelTarget("d", _own.OpenAIEndpoint, "ORGKEY_ACME", 1), CancellationToken.None));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Contains("Key Vault reference", error.Message, StringComparison.Ordinal);
        Assert.Empty(_own.Requests);
    }

    private static async Task Ask(IChatClient client, string question) =>
        Assert.Equal($"Echo: {question}", (await client.GetResponseAsync([new(ChatRole.User, question)])).Text);

    private Uri OwnEndpoint(string provider) => provider == "azure" ? _own.AzureEndpoint : _own.OpenAIEndpoint;

    private ServiceProvider Services(string provider, params (string Key, string Value)[] extra)
    {
        (string, string)[] settings = provider == "azure"
            ? [("AzureOpenAI:Endpoint", _platform.AzureEndpoint.ToString()), ("AzureOpenAI:ApiKey", PlatformKey), ("AzureOpenAI:ChatDeployment", "chat-deployment")]
            : [("OpenAI:Endpoint", _platform.OpenAIEndpoint.ToString()), ("OpenAI:ApiKey", PlatformKey), ("OpenAI:ChatModel", "chat-model")];
        return ModelClientsTests.Build([.. settings, (OrgKeySetting, OrgKey), ("Model:RetryDelay", "00:00:00.010"), .. extra]);
    }
}
