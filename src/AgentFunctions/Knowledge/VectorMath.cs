using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentFunctions.Knowledge;

/// <summary>Cosine similarity on unit vectors (normalized once, at write and query time): a dot product.</summary>
internal static class VectorMath
{
    public static float[] Normalize(ReadOnlySpan<float> vector)
    {
        var result = vector.ToArray();
        var norm = MathF.Sqrt(Dot(result, result));
        if (norm > 0 && float.IsFinite(norm))
        {
            for (var i = 0; i < result.Length; i++)
            {
                result[i] /= norm;
            }
        }

        return result;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (; i < va.Length; i++)
        {
            sum += va[i] * vb[i];
        }

        var total = Vector.Sum(sum);
        for (i *= Vector<float>.Count; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    /// <summary>
    /// The exact dot product of a query's int8 codes, widened to shorts once per search, with a row's int8 codes (all
    /// codes in [−127, 127]: each product fits a short; sums in int32, exact up to 133,000 dimensions). With AVX2, 32
    /// codes a step in two independent sums: the row's codes widened (<c>vpmovsxbw</c>), multiplied by the query's and
    /// pairwise added into ints (<c>vpmaddwd</c>); one at a time elsewhere.
    /// </summary>
    public static int Dot(ReadOnlySpan<short> query, ReadOnlySpan<sbyte> codes)
    {
        if (query.Length != codes.Length)
        {
            throw new ArgumentException("The query and the codes differ in length.", nameof(codes));
        }

        var i = 0;
        var total = 0;
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var c = ref MemoryMarshal.GetReference(codes);
        if (Avx2.IsSupported)
        {
            var (first, second) = (Vector256<int>.Zero, Vector256<int>.Zero);
            for (; i <= codes.Length - 32; i += 32)
            {
                first += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref c, (nuint)i)), Vector256.LoadUnsafe(ref q, (nuint)i));
                second += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref c, (nuint)(i + 16))), Vector256.LoadUnsafe(ref q, (nuint)(i + 16)));
            }

            total = Vector256.Sum(first + second);
        }

        for (; i < codes.Length; i++)
        {
            total += query[i] * codes[i];
        }

        return total;
    }

    /// <summary>Little-endian float32, 4 bytes per dimension.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static ReadOnlySpan<float> FromBytes(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes);
}
