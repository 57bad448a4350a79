using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// The exact dot product of two int8 code vectors of equal length whose codes lie in [−127, 127] (each product
    /// fits a short; sums in int32, exact up to 133,000 dimensions): 32 codes a step, widened to shorts, multiplied and
    /// pairwise added into ints (x86 <c>pmaddwd</c> where there is one).
    /// </summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var total = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<sbyte>.Count)
        {
            var sum = Vector256<int>.Zero;
            ref var left = ref MemoryMarshal.GetReference(a);
            ref var right = ref MemoryMarshal.GetReference(b);
            for (; i <= a.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (leftLow, leftHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref left, (nuint)i));
                var (rightLow, rightHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref right, (nuint)i));
                sum += MultiplyAddPairs(leftLow, rightLow) + MultiplyAddPairs(leftHigh, rightHigh);
            }

            total = Vector256.Sum(sum);
        }

        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MultiplyAddPairs(Vector256<short> a, Vector256<short> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.MultiplyAddAdjacent(a, b);
        }

        var (low, high) = Vector256.Widen(a * b);
        return low + high;
    }

    /// <summary>Little-endian float32, 4 bytes per dimension.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static ReadOnlySpan<float> FromBytes(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes);
}
