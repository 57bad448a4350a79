using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.OpenAi;

public static class OpenAiServiceCollectionExtensions
{
    /// <summary>The OpenAI-compatible API (<c>/api/v1</c>) over the org's agent. Needs <c>AddAgents</c>.</summary>
    public static IServiceCollection AddOpenAi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OpenAiModels>();
        services.TryAddSingleton<OpenAiChatCompletions>();
        return services;
    }
}
