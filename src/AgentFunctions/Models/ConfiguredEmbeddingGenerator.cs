using Microsoft.Extensions.AI;

namespace AgentFunctions.Models;

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
