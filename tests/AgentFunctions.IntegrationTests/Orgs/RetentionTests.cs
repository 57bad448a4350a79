using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.Orgs;

/// <summary>Conversation retention at read time, on Azurite with the real registry: past it a conversation is gone for its org only.</summary>
public sealed class RetentionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Keep = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Reads_ConversationIdlePastRetention_NotFoundForThatOrgOnlyBeforeAnySweep()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var registry = services.GetRequiredService<IOrgRegistry>();
        var expiring = OrgId.Parse("retention-short");
        var keeping = OrgId.Parse("retention-keep");
        await registry.PutAsync(expiring, new OrgPutRequest("Short", null, null, null, null, new OrgRetentionSettings { Conversations = "PT2S" }).Validate(), default);
        await registry.PutAsync(keeping, new OrgPutRequest("Keep", null, null, null, null).Validate(), default);
        var store = new TableConversationStore(
            services.GetRequiredService<TableProvider>(), TimeProvider.System, services.GetRequiredService<IOrgRetentionPolicy>(), NullLogger<TableConversationStore>.Instance);
        foreach (var org in new[] { expiring, keeping })
        {
            var now = DateTimeOffset.UtcNow;
            await store.AppendTurnAsync(org, "shared-id", new ConversationTurn(null,
                new ConversationMessage(MessageRole.User, "q", now), new ConversationMessage(MessageRole.Assistant, "a", now)), default);
        }

        var fresh = await store.GetMessagesAsync(expiring, "shared-id", new MessagePageRequest(10), default);
        await Task.Delay(Keep + TimeSpan.FromMilliseconds(300));
        var expired = await store.GetMessagesAsync(expiring, "shared-id", new MessagePageRequest(10), default);
        var listed = await store.ListAsync(expiring, 10, null, default);
        var load = await Assert.ThrowsAsync<ApiException>(() => store.LoadHistoryAsync(expiring, "shared-id", new ContextWindow(10, 10_000), default));

        Assert.Equal(2, fresh!.Messages.Count);
        Assert.Null(expired);
        Assert.Empty(listed.Conversations);
        Assert.Equal(404, load.Status);
        Assert.Equal(2, (await store.GetMessagesAsync(keeping, "shared-id", new MessagePageRequest(10), default))!.Messages.Count);
        Assert.Single((await store.ListAsync(keeping, 10, null, default)).Conversations);
    }

    [Fact]
    public async Task GetAsync_PlatformDefaultAndOrgOwn_OrgWinsFieldByField()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"), ("Orgs:Retention:Conversations", "P30D"), ("Orgs:Retention:Jobs", "P7D"));
        var registry = services.GetRequiredService<IOrgRegistry>();
        var own = OrgId.Parse("retention-own");
        await registry.PutAsync(own, new OrgPutRequest("Own", null, null, null, null, new OrgRetentionSettings { Jobs = "PT12H" }).Validate(), default);
        var policy = services.GetRequiredService<IOrgRetentionPolicy>();

        Assert.Equal(new OrgRetention(TimeSpan.FromDays(30), TimeSpan.FromHours(12)), await policy.GetAsync(own, default));
        Assert.Equal(new OrgRetention(TimeSpan.FromDays(30), TimeSpan.FromDays(7)), await policy.GetAsync(OrgId.Parse("retention-unregistered"), default));
    }
}
