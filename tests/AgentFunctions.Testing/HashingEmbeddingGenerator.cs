using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Testing;

/// <summary>
/// A deterministic embedding generator for tests and benchmarks: each word (lowercase letters and
/// digits) adds +1 or -1 to one of <see cref="Dimensions"/> slots chosen by a stable hash, so texts
/// that share words point in similar directions and the same text always gets the same vector.
/// Records each request's batch size, and every text it embedded.
/// </summary>
public sealed class HashingEmbeddingGenerator(int dimensions = 64) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Dimensions { get; } = dimensions;

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public ConcurrentQueue<string> Inputs { get; } = new();

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        foreach (var text in texts)
        {
            Inputs.Enqueue(text);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Select(text => new Embedding<float>(Embed(text))));
        BatchSizes.Enqueue(result.Count);
        return Task.FromResult(result);
    }

    public float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in Words(text))
        {
            var hash = Fnv1a(word);
            vector[(int)(hash % (uint)Dimensions)] += (hash & 0x8000_0000) == 0 ? 1 : -1;
        }

        if (vector.All(v => v == 0))
        {
            vector[0] = 1;
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsAsciiLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    private static uint Fnv1a(string word)
    {
        var hash = 2166136261;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
