using System.Runtime.InteropServices;
using FluxServe.Engine.Numerics;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Engine.Tests.Numerics;

/// <summary>The <see cref="DType"/> dispatcher, and PyTorch's own bf16 rounding of real weights as a cross-check.</summary>
public sealed class FloatConversionTests
{
    private static string FixturesRoot =>
        Environment.GetEnvironmentVariable("FLUXSERVE_FIXTURES") is { Length: > 0 } env ? env : "/work/shared/fixtures";

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    [InlineData(DType.F8E4M3FN)]
    [InlineData(DType.F8E5M2)]
    public void Dispatch_matches_the_format_classes(DType dtype)
    {
        var random = new Random(5);
        float[] values = new float[101];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() - 0.5) * 100);
        }

        byte[] narrowed = new byte[values.Length * dtype.SizeOf()];
        FloatConversion.FromSingle(values, dtype, narrowed);
        float[] widened = new float[values.Length];
        FloatConversion.ToSingle(dtype, narrowed, widened);

        for (int i = 0; i < values.Length; i++)
        {
            float expected = dtype switch
            {
                DType.F32 => values[i],
                DType.BF16 => BFloat16Conversion.ToSingle(BFloat16Conversion.FromSingle(values[i])),
                DType.F16 => HalfConversion.ToSingle(HalfConversion.FromSingle(values[i])),
                DType.F8E4M3FN => Float8E4M3FNConversion.ToSingle(Float8E4M3FNConversion.FromSingle(values[i])),
                _ => Float8E5M2Conversion.ToSingle(Float8E5M2Conversion.FromSingle(values[i])),
            };
            Assert.Equal(expected, widened[i]);
            Assert.Equal(expected, FloatConversion.ToSingle(dtype, narrowed.AsSpan(i * dtype.SizeOf())));
        }
    }

    [Fact]
    public void Dispatch_rejects_non_float_dtypes_and_bad_lengths()
    {
        Assert.Throws<ArgumentException>(() => FloatConversion.ToSingle(DType.I32, new byte[8], new float[2]));
        Assert.Throws<ArgumentException>(() => FloatConversion.FromSingle(new float[2], DType.U8, new byte[2]));
        Assert.Throws<ArgumentException>(() => FloatConversion.ToSingle(DType.BF16, new byte[5], new float[3]));
        Assert.Throws<ArgumentException>(() => FloatConversion.ToSingle(DType.F32, new byte[8], new float[1]));
        Assert.Throws<ArgumentException>(() => FloatConversion.FromSingle(new float[3], DType.F16, new byte[5]));
    }

    [Fact]
    public void Narrowing_fixture_weights_reproduces_the_bf16_checkpoint_PyTorch_wrote()
    {
        // model.bf16.safetensors is the same tiny model's float32 weights after PyTorch's .to(torch.bfloat16).
        string folder = Path.Combine(FixturesRoot, "flux-tiny-schnell");
        using var f32 = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        using var bf16 = SafetensorsFile.Open(Path.Combine(folder, "model.bf16.safetensors"));
        int tensors = 0;
        foreach (var entry in f32.Entries)
        {
            Assert.Equal(DType.F32, entry.DType);
            ReadOnlySpan<float> source = MemoryMarshal.Cast<byte, float>(f32.GetBytes(entry.Name));
            ReadOnlySpan<ushort> expected = MemoryMarshal.Cast<byte, ushort>(bf16.GetBytes(entry.Name));
            ushort[] actual = new ushort[source.Length];
            BFloat16Conversion.FromSingle(source, actual);
            Assert.True(expected.SequenceEqual(actual), $"{entry.Name} differs from PyTorch's bf16 rounding");
            tensors++;
        }

        Assert.True(tensors > 10);
    }
}
