using FluxServe.Engine.Cuda;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>Every float conversion, bit for bit against the CPU's Numerics conversions (c10's rules).</summary>
[Collection(CudaCollection.Name)]
public sealed class CudaCastTests
{
    private static readonly DType[] s_floats = [DType.F32, DType.BF16, DType.F16, DType.F8E4M3FN, DType.F8E5M2];

    public static TheoryData<DType, DType> Pairs()
    {
        var data = new TheoryData<DType, DType>();
        foreach (var from in s_floats)
        {
            foreach (var to in s_floats)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [CudaTheory]
    [MemberData(nameof(Pairs))]
    public void CastMatchesTheHostConversionBitForBit(DType from, DType to)
    {
        var backend = CudaTestDevice.F32;
        float[] values = Interesting(70001);
        byte[] source = new byte[values.Length * from.SizeOf()];
        FloatConversion.FromSingle(values, from, source);
        using var hostSource = Tensor.Empty([values.Length], from);
        source.CopyTo(hostSource.AsBytes());

        float[] widened = new float[values.Length];
        FloatConversion.ToSingle(from, source, widened);
        byte[] expected = new byte[values.Length * to.SizeOf()];
        FloatConversion.FromSingle(widened, to, expected);

        using var device = backend.Copy(hostSource, backend.Device);
        using var cast = backend.Cast(device, to);
        using var back = backend.Copy(cast, Device.Cpu);
        Assert.Equal(to, back.DType);
        byte[] actual = back.AsBytes().ToArray();
        int size = to.SizeOf();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(
                expected.AsSpan(i * size, size).SequenceEqual(actual.AsSpan(i * size, size)),
                $"{from} → {to}: element {i} ({widened[i]:R}) gave {Convert.ToHexString(actual, i * size, size)}, expected {Convert.ToHexString(expected, i * size, size)}");
        }
    }

    // Specials, every boundary the narrowing rules have (subnormals, ties, overflow thresholds), and random values
    // over many binades.
    private static float[] Interesting(int count)
    {
        var list = new List<float>
        {
            0f, -0f, 1f, -1f, float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity,
            float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e-40f,
            448f, 464f, 480f, 479.99f, 500f, -448f, -464f, -480f, 57344f, 61440f, 65504f, 65519.99f, 65520f, 65536f, 70000f,
            0.001953125f, 0.0009765625f, 0.00146484375f, 5.9604645e-8f, 2.9802322e-8f, 6.1035156e-5f, 1.5258789e-5f,
            BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), BitConverter.UInt32BitsToSingle(0x3F80FFFF),
            BitConverter.UInt32BitsToSingle(0x7F7F8000), BitConverter.UInt32BitsToSingle(0x7FA00001),
        };
        var random = new Random(20240601);
        while (list.Count < count)
        {
            float mantissa = (float)(random.NextDouble() * 2 - 1);
            list.Add(mantissa * MathF.Pow(2, random.Next(-30, 20)));
        }

        return [.. list];
    }
}
