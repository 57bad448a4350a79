using System.Buffers;
using System.Numerics.Tensors;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The unit vectors of one length of an org's index, held twice: as float32 rows (the exact scores) and as int8 codes
/// with a scale per row (a scan reading a quarter of the bytes). The nearest rows are found by scanning the codes and
/// re-scoring at full precision every row whose code score, widened by that row's proven error bound, could still
/// reach the best; so the result equals the exact float scan's, in order and score (<see cref="Nearest"/>).
/// </summary>
internal sealed class VectorBlock
{
    /// <summary>Below this many multiply-adds a scan is faster on one thread than split.</summary>
    private const long ParallelScanThreshold = 4_000_000;

    private const float CodeMax = 127f;

    private readonly float[] _matrix;
    private readonly sbyte[] _codes;
    private readonly float[] _scales;
    private readonly float[] _codeNorms;
    private readonly float[] _codeErrors;

    private VectorBlock(int dimensions, int[] rows, float[] matrix, sbyte[] codes, float[] scales, float[] codeNorms, float[] codeErrors)
    {
        Dimensions = dimensions;
        Rows = rows;
        _matrix = matrix;
        _codes = codes;
        _scales = scales;
        _codeNorms = codeNorms;
        _codeErrors = codeErrors;
    }

    public int Dimensions { get; }

    /// <summary>Row r is the index's chunk <c>Rows[r]</c>.</summary>
    public int[] Rows { get; }

    /// <summary>Memory held: the float rows, the codes and three floats and an int per row.</summary>
    public long Bytes => (_matrix.Length * 4L) + _codes.Length + (Rows.Length * 16L);

    /// <summary>A block of <paramref name="dimensions"/>-long vectors: <paramref name="vectors"/>[i] is chunk <paramref name="rows"/>[i]'s.</summary>
    public static VectorBlock Build(int dimensions, int[] rows, Func<int, ReadOnlySpan<float>> vectors)
    {
        var matrix = new float[rows.Length * dimensions];
        var codes = new sbyte[matrix.Length];
        var (scales, norms, errors) = (new float[rows.Length], new float[rows.Length], new float[rows.Length]);
        for (var r = 0; r < rows.Length; r++)
        {
            var row = matrix.AsSpan(r * dimensions, dimensions);
            vectors(r).CopyTo(row);
            (scales[r], norms[r], errors[r]) = Quantize(row, codes.AsSpan(r * dimensions, dimensions));
        }

        return new VectorBlock(dimensions, rows, matrix, codes, scales, norms, errors);
    }

    /// <summary>
    /// The <paramref name="k"/> rows of highest dot product with <paramref name="query"/> (a unit vector of
    /// <see cref="Dimensions"/>), best first, equal scores in row order, as chunk indexes with their exact float scores:
    /// what scoring every row with <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> and
    /// keeping the best gives.
    /// </summary>
    /// <remarks>
    /// With x a row, y the query and x', y' their decoded codes, |x·y − x'·y'| ≤ |x'|·|y − y'| + |x − x'|·|y| (Cauchy-Schwarz);
    /// both norms and errors are measured when coding. Float rounding adds at most (n + 8)·2⁻²² of |x|·|y| to either side.
    /// So a row whose code score plus its bound stays below the k-th best exact score among the code scan's own best k
    /// cannot be among the best k, and every other row is scored exactly.
    /// </remarks>
    public List<(int Index, float Score)> Nearest(float[] query, int k)
    {
        var count = Rows.Length;
        var queryCodes = ArrayPool<sbyte>.Shared.Rent(Dimensions);
        var (queryScale, queryCodeNorm, queryError) = Quantize(query, queryCodes.AsSpan(0, Dimensions));
        var queryNorm = MathF.Sqrt(TensorPrimitives.Dot(query, query));
        var wideQuery = ArrayPool<short>.Shared.Rent(Dimensions); // widened once, not once per row
        for (var i = 0; i < Dimensions; i++)
        {
            wideQuery[i] = queryCodes[i];
        }

        ArrayPool<sbyte>.Shared.Return(queryCodes);
        var approximate = ArrayPool<float>.Shared.Rent(count); // large orgs: no large-object allocation per search
        try
        {
            var parts = (long)count * Dimensions >= ParallelScanThreshold ? Environment.ProcessorCount : 1;
            if (parts == 1)
            {
                ScoreCodes(wideQuery, queryScale, approximate, 0, count);
            }
            else
            {
                Parallel.For(0, parts, p => ScoreCodes(wideQuery, queryScale, approximate, (int)((long)count * p / parts), (int)((long)count * (p + 1) / parts)));
            }

            var scores = approximate.AsSpan(0, count);
            var threshold = float.PositiveInfinity;
            var candidates = new List<(int Index, float Score)>(2 * k);
            foreach (var (row, _) in TopK.Select(scores, k))
            {
                var exact = Exact(query, row);
                candidates.Add((row, exact));
                threshold = Math.Min(threshold, exact);
                scores[row] = float.NegativeInfinity; // scored exactly already: not again below
            }

            var rounding = (Dimensions + 8) * MathF.Pow(2, -22);
            for (var r = 0; r < count; r++)
            {
                var bound = (_codeNorms[r] * queryError) + (_codeErrors[r] * queryNorm) + (rounding * (_codeNorms[r] + _codeErrors[r]) * (queryCodeNorm + queryError));
                if (scores[r] + bound >= threshold)
                {
                    candidates.Add((r, Exact(query, r)));
                }
            }

            return [.. TopK.Select(candidates, k).Select(c => (Rows[c.Index], c.Score))];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(approximate);
            ArrayPool<short>.Shared.Return(wideQuery);
        }
    }

    private float Exact(float[] query, int row) => TensorPrimitives.Dot(query, _matrix.AsSpan(row * Dimensions, Dimensions));

    private void ScoreCodes(short[] query, float queryScale, float[] scores, int from, int to)
    {
        var wide = query.AsSpan(0, Dimensions);
        for (var r = from; r < to; r++)
        {
            scores[r] = _scales[r] * queryScale * VectorMath.Dot(wide, _codes.AsSpan(r * Dimensions, Dimensions));
        }
    }

    /// <summary>
    /// Codes <paramref name="vector"/> as <c>scale · codes</c> (codes in [−127, 127], scale = max |x| / 127); returns the
    /// scale, the decoded vector's norm and its distance from the vector (computed in double, rounded up).
    /// </summary>
    internal static (float Scale, float CodeNorm, float Error) Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var largest = Math.Abs(TensorPrimitives.MaxMagnitude(vector));
        var scale = largest > 0 && float.IsFinite(largest) ? largest / CodeMax : 0f;
        double norm = 0, error = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            var code = scale == 0 ? 0 : Math.Clamp(MathF.Round(vector[i] / scale), -CodeMax, CodeMax);
            codes[i] = (sbyte)code;
            var decoded = (double)scale * code;
            norm += decoded * decoded;
            error += (vector[i] - decoded) * (vector[i] - decoded);
        }

        return (scale, RoundUp(Math.Sqrt(norm)), RoundUp(Math.Sqrt(error)));
    }

    private static float RoundUp(double value) => MathF.BitIncrement((float)value);
}
