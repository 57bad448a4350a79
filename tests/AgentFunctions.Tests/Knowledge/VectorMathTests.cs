using AgentFunctions.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

public sealed class VectorMathTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(31)] // no full step
    [InlineData(32)]
    [InlineData(1536)]
    [InlineData(1541)] // a tail after the steps
    public void Dot_Int8Codes_EqualsTheScalarSum(int length)
    {
        var random = new Random(length);
        var query = Enumerable.Range(0, length).Select(_ => (short)random.Next(-127, 128)).ToArray();
        var codes = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();

        Assert.Equal(query.Zip(codes, (x, y) => x * y).Sum(), VectorMath.Dot(query, codes));
    }

    [Fact]
    public void Dot_Int8CodesAllAtTheLimit_DoesNotOverflow()
    {
        var high = Enumerable.Repeat((sbyte)127, 8192).ToArray();
        var low = Enumerable.Repeat((sbyte)-127, 8192).ToArray();
        var wideHigh = Enumerable.Repeat((short)127, 8192).ToArray();

        Assert.Equal(8192 * 127 * 127, VectorMath.Dot(wideHigh, high));
        Assert.Equal(-8192 * 127 * 127, VectorMath.Dot(wideHigh, low));
    }

    [Fact]
    public void Dot_LengthsDiffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => VectorMath.Dot(new short[32], new sbyte[31]));
    }
}
