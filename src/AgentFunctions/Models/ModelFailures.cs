using System.ClientModel;
using System.Runtime.CompilerServices;
using AgentFunctions.Errors;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Polly.Timeout;

namespace AgentFunctions.Models;

/// <summary>
/// Turns what the model client throws once its retries are spent into 502/503 <c>model_unavailable</c>:
/// 429, timeouts, connection failures and credential failures are 503 (try again later); anything else
/// the endpoint answered with (5xx, a refused request) is 502. A cancellation by the caller stays a cancellation.
/// </summary>
internal static class ModelFailures
{
    public static bool TryTranslate(Exception exception, CancellationToken callerToken, out ApiException translated)
    {
        translated = exception switch
        {
            ApiException => null!,
            OperationCanceledException when callerToken.IsCancellationRequested => null!,
            ClientResultException { Status: 429 } => ApiException.ModelUnavailable(503, "The model endpoint is rate limiting requests (429) and retries were spent; try again later."),
            ClientResultException { Status: 0 } => ApiException.ModelUnavailable(503, "The model endpoint could not be reached."),
            ClientResultException { Status: 401 or 403 } e => ApiException.ModelUnavailable(502, $"The model endpoint refused the app's credential ({e.Status})."),
            ClientResultException e => ApiException.ModelUnavailable(502, $"The model endpoint failed ({e.Status}) and retries were spent."),
            TimeoutRejectedException or TimeoutException or OperationCanceledException => ApiException.ModelUnavailable(503, "The model endpoint did not answer in time."),
            HttpRequestException or IOException => ApiException.ModelUnavailable(503, "The model endpoint could not be reached."),
            AuthenticationFailedException or CredentialUnavailableException => ApiException.ModelUnavailable(503, "No credential for the model endpoint could be obtained."),
            _ => null!,
        };
        return translated is not null;
    }
}

/// <summary>Applies <see cref="ModelFailures"/> to a chat client, including failures in the middle of a stream.</summary>
internal sealed class ModelFailureChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ModelFailures.TryTranslate(e, cancellationToken, out var translated))
        {
            throw translated;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (ModelFailures.TryTranslate(e, cancellationToken, out var translated))
                {
                    throw translated;
                }

                yield return updates.Current;
            }
        }
    }
}

internal sealed class ModelFailureEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ModelFailures.TryTranslate(e, cancellationToken, out var translated))
        {
            throw translated;
        }
    }
}

/// <summary>
/// What DI hands out as <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>: resolving it always works (so services
/// that only sometimes embed can be constructed); using it without an embedding model configured is a 503 naming the setting.
/// </summary>
internal sealed class ConfiguredEmbeddingGenerator(IModelClients models) : IEmbeddingGenerator<string, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        models.GetEmbeddingGenerator().GenerateAsync(values, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ConfiguredEmbeddingGenerator) ? this : models.GetEmbeddingGenerator().GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The generators are owned by IModelClients for the life of the app.
    }
}
