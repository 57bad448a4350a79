using Microsoft.Extensions.AI;
using AgentFunctions.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AgentFunctions.Models;

internal static class ModelsRegistration
{
    /// <summary>The named HttpClient every model client sends through.</summary>
    public const string HttpClientName = "AgentFunctions.Model";

    /// <summary>
    /// Model options (validated at start: a half-configured endpoint stops the app naming the setting), the
    /// resilient HttpClient, <see cref="IModelClients"/> and <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>.
    /// No model configured at all is not an error at start: model calls answer 503 <c>model_unavailable</c>.
    /// </summary>
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ModelsAdded)))
        {
            return services; // a second call must not add a second resilience pipeline to the client
        }

        services.AddSingleton<ModelsAdded>();
        services.AddOptions<AzureOpenAIOptions>().BindConfiguration(AzureOpenAIOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OpenAIOptions>().BindConfiguration(OpenAIOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelResilienceOptions>().BindConfiguration(ModelResilienceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSecrets(); // an org's own endpoint key is a named secret

        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("model", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ModelResilienceOptions>>().Value;
                pipeline
                    .AddTimeout(options.TotalTimeout)
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                        ShouldHandle = options.MaxRetries == 0 ? static _ => PredicateResult.False() : new HttpRetryStrategyOptions().ShouldHandle,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = options.RetryDelay,
                        ShouldRetryAfterHeader = true,
                    })
                    .AddTimeout(options.AttemptTimeout);
            });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IModelClients, ModelClients>();
        services.TryAddSingleton<IModelAvailability, ConfiguredModelAvailability>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>, ConfiguredEmbeddingGenerator>();
        return services;
    }

    /// <summary>Marks the collection once <see cref="AddModels"/> ran.</summary>
    private sealed class ModelsAdded;
}
