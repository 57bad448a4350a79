using System.Numerics.Tensors;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The int8 scan with exact re-scoring returns what the exact float scan returns: the same rows, order and scores.</summary>
public sealed class VectorBlockTests
{
    private const int K = 20;

    [Theory]
    [InlineData(3_000, 384, 1)]
    [InlineData(3_000, 1536, 2)] // the scan split over the cores
    [InlineData(7, 64, 3)] // fewer rows than asked for
    public void Nearest_RandomUnitVectors_EqualsTheExactFloatScan(int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        var vectors = Enumerable.Range(0, count).Select(_ => RandomUnit(random, dimensions)).ToList();

        AssertExact(vectors, RandomUnit(random, dimensions));
    }

    [Fact]
    public void Nearest_NearDuplicatesCloserThanTheCodesResolve_EqualsTheExactFloatScan()
    {
        // 500 vectors within 1e-5 of one another: their code scores tie or invert; only the re-scoring orders them.
        var random = new Random(4);
        var center = RandomUnit(random, 768);
        var vectors = Enumerable.Range(0, 500).Select(_ => Normalize(center.Select(x => x + (float)((random.NextDouble() - 0.5) * 1e-5)).ToArray())).ToList();
        vectors.AddRange(Enumerable.Range(0, 500).Select(_ => RandomUnit(random, 768)));

        AssertExact(vectors, Normalize(center.Select(x => x + (float)((random.NextDouble() - 0.5) * 1e-3)).ToArray()));
    }

    [Fact]
    public void Nearest_OneLargeComponentCoarsensTheCodes_EqualsTheExactFloatScan()
    {
        // One component near 1 sets the scale: every other component codes to 0 or ±1, so code scores say little.
        var random = new Random(5);
        var vectors = Enumerable.Range(0, 400).Select(_ =>
        {
            var vector = RandomUnit(random, 256).Select(x => x * 0.05f).ToArray();
            vector[random.Next(256)] = 1f;
            return Normalize(vector);
        }).ToList();

        AssertExact(vectors, RandomUnit(random, 256));
    }

    [Fact]
    public void Nearest_EqualVectors_TiesInRowOrder()
    {
        var random = new Random(6);
        var same = RandomUnit(random, 128);
        var vectors = Enumerable.Range(0, 30).Select(i => i % 3 == 0 ? same : RandomUnit(random, 128)).ToList();

        var nearest = AssertExact(vectors, same);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => 1000 + (i * 3)), nearest.Take(10).Select(n => n.Index));
    }

    [Theory]
    [InlineData(-0.9f)]
    [InlineData(0.9f)]
    public void Quantize_LargestComponentEitherSign_CodesWithinHalfAStepOfEveryComponent(float largest)
    {
        var random = new Random(8);
        var vector = RandomUnit(random, 512).Select(x => x * 0.1f).ToArray();
        vector[17] = largest;
        var codes = new sbyte[vector.Length];

        var (scale, _, error) = VectorBlock.Quantize(vector, codes);

        Assert.Equal(0.9f / 127, scale, 1e-9f);
        Assert.Equal(Math.Sign(largest) * 127, codes[17]);
        Assert.All(vector.Zip(codes), pair => Assert.InRange(Math.Abs(pair.First - (scale * pair.Second)), 0, (scale / 2) + 1e-7f));
        Assert.InRange(error, 0, MathF.Sqrt(vector.Length) * scale / 2);
    }

    /// <summary>Checks the block against every row scored with <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>, best first, ties by row.</summary>
    private static List<(int Index, float Score)> AssertExact(List<float[]> vectors, float[] query)
    {
        // Rows map to chunk indexes 1000 + r, as an index's block maps its rows to its chunks.
        var block = VectorBlock.Build(query.Length, [.. Enumerable.Range(1000, vectors.Count)], r => vectors[r]);

        var nearest = block.Nearest(query, K);

        var exact = vectors.Select((v, r) => (Index: 1000 + r, Score: TensorPrimitives.Dot(query, v)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(K).ToList();
        Assert.Equal(exact, nearest);
        return nearest;
    }

    private static float[] RandomUnit(Random random, int dimensions) =>
        Normalize([.. Enumerable.Range(0, dimensions).Select(_ => (float)((random.NextDouble() * 2) - 1))]);

    private static float[] Normalize(float[] vector) => VectorMath.Normalize(vector);
}
