using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Conversations;

internal static class ConversationsRegistration
{
    /// <summary>Conversation memory on Table Storage, and the store's part of offboarding.</summary>
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        services.AddOptions<ConversationsOptions>().BindConfiguration(ConversationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IOrgRetentionPolicy, KeepEverything>(); // until the org area replaces it
        services.TryAddSingleton<TableConversationStore>();
        services.TryAddSingleton<IConversationStore>(sp => sp.GetRequiredService<TableConversationStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, TableConversationStore>(sp => sp.GetRequiredService<TableConversationStore>()));
        return services;
    }
}
