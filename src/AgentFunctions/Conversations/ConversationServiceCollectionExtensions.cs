using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Conversations;

public static class ConversationServiceCollectionExtensions
{
    /// <summary>Conversation memory on Table Storage, and its part of offboarding.</summary>
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IConversationStore, TableConversationStore>();
        services.AddSingleton<IOrgDataOwner, ConversationDataOwner>();
        return services;
    }
}

/// <summary>Offboarding: removes every conversation row of the org (resumable).</summary>
internal sealed class ConversationDataOwner(IConversationStore store) : IOrgDataOwner
{
    public string Area => "conversations";

    public Task DeleteAllAsync(Tenancy.OrgId orgId, CancellationToken cancellationToken) => store.DeleteAllAsync(orgId, cancellationToken);
}
