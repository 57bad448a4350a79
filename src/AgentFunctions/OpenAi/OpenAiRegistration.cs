using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.OpenAi;

internal static class OpenAiRegistration
{
    /// <summary>The OpenAI-compatible API (<c>/api/v1</c>) over the org's agent. Needs <c>AddAgents</c> and <c>AddStorage</c>; responses are an <c>IOrgDataOwner</c> (offboarding deletes them).</summary>
    public static IServiceCollection AddOpenAi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OpenAiModels>();
        services.TryAddSingleton<OpenAiChatCompletions>();
        services.TryAddSingleton<ResponseStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, ResponseStore>());
        services.TryAddSingleton<OpenAiResponses>();
        return services;
    }
}
