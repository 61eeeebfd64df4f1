using System.Runtime.InteropServices;
using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Tests.Noise;

/// <summary>
/// Every lane width of the AVX2-kernel emulation (512, 256, 128 bits and the scalar FMA emulation used on CPUs
/// without vectors) gives identical bits, and the avx_mathfun functions are accurate approximations.
/// </summary>
public sealed class NormalFillAvx2Tests
{
    /// <summary>
    /// Every float32 uniform the generator can produce (k·2⁻²⁴, k &lt; 2²⁴) as both u1 and u2 of a block lane:
    /// the log path depends only on u1 and the sin/cos path only on u2, so this covers every input the kernel sees.
    /// Each vector width (those this CPU runs) must give the scalar emulation's bits.
    /// </summary>
    [Fact]
    public void Vector_widths_equal_the_scalar_emulation_for_every_possible_uniform()
    {
        const int Values = 1 << 24;
        const int ChunkValues = 1 << 17;
        int[] widths = [512, 256, 128];
        float[] uniforms = new float[2 * ChunkValues];
        float[] scalar = new float[2 * ChunkValues];
        float[] vector = new float[2 * ChunkValues];
        for (int start = 0; start < Values; start += ChunkValues)
        {
            for (int v = 0; v < ChunkValues; v++)
            {
                int block = v / 8, lane = v % 8;
                float u = (start + v) / 16777216f;
                uniforms[(16 * block) + lane] = u;
                uniforms[(16 * block) + 8 + lane] = u;
            }

            uniforms.CopyTo(scalar, 0);
            NormalFillAvx2.TransformBlocks(scalar, 0f, 1f, maxWidth: 32);
            foreach (int width in widths)
            {
                uniforms.CopyTo(vector, 0);
                NormalFillAvx2.TransformBlocks(vector, 0f, 1f, maxWidth: width);
                if (!MemoryMarshal.Cast<float, uint>(scalar).SequenceEqual(MemoryMarshal.Cast<float, uint>(vector)))
                {
                    int i = 0;
                    while (BitConverter.SingleToUInt32Bits(scalar[i]) == BitConverter.SingleToUInt32Bits(vector[i]))
                    {
                        i++;
                    }

                    Assert.Fail($"width {width}, uniform index {start + ((i / 16) * 8) + (i % 8)}: scalar {scalar[i]:R}, vector {vector[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Odd_block_counts_use_the_narrower_path_for_the_last_block()
    {
        // 512-bit lanes take two blocks at a time; 3 blocks leave one for the 256-bit (or narrower) path.
        var random = new Random(1);
        float[] data = new float[48];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.Next(1 << 24) / 16777216f;
        }

        float[] reference = (float[])data.Clone();
        NormalFillAvx2.TransformBlocks(reference, 0.5f, 2f, maxWidth: 32);
        NormalFillAvx2.TransformBlocks(data, 0.5f, 2f);
        Assert.Equal(reference, data);
    }

    [Fact]
    public void Log_and_sincos_approximate_the_double_functions()
    {
        for (int k = 1; k <= 1 << 24; k += 97)
        {
            float u = k / 16777216f;
            float log = AvxMathFun.Log<ScalarLanes, float, int>(u);
            Assert.True(Math.Abs(log - Math.Log(u)) <= 2e-7 * Math.Max(1, Math.Abs(Math.Log(u))), $"log({u:R}) = {log:R}");

            float theta = (float)(2 * Math.PI) * ((k - 1) / 16777216f);
            AvxMathFun.SinCos<ScalarLanes, float, int>(theta, out float sin, out float cos);
            Assert.True(Math.Abs(sin - Math.Sin(theta)) <= 3e-7, $"sin({theta:R}) = {sin:R}");
            Assert.True(Math.Abs(cos - Math.Cos(theta)) <= 3e-7, $"cos({theta:R}) = {cos:R}");
        }
    }

    [Fact]
    public void Rejects_lengths_that_are_not_whole_blocks() =>
        Assert.Throws<ArgumentException>(() => NormalFillAvx2.TransformBlocks(new float[20], 0f, 1f));
}
