using FluxServe.Engine;
using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Tests.Noise;

/// <summary>Generator semantics that samplers and the batch path rely on (spec/sampling.md §7.1, §7.4, §7.5 "Batch").</summary>
public sealed class TorchGeneratorStateTests
{
    [Theory]
    [InlineData(7UL, 4294967303UL)]
    [InlineData(5UL, 0x0000_0001_0000_0005UL)]
    [InlineData(0xFFFF_FFFFUL, ulong.MaxValue)]
    public void Only_the_low_32_bits_of_the_seed_matter(ulong seed, ulong sameLowBits)
    {
        foreach (int n in new[] { 5, 17, 1024 })
        {
            Assert.Equal(Draw(new TorchGenerator(seed), n), Draw(new TorchGenerator(sameLowBits), n));
        }

        Assert.NotEqual(Draw(new TorchGenerator(seed), 64), Draw(new TorchGenerator(seed + 1), 64));
    }

    [Fact]
    public void Small_draws_use_the_cached_second_value_across_calls()
    {
        float[] pair = Draw(new TorchGenerator(3), 2);
        var generator = new TorchGenerator(3);
        float[] one = Draw(generator, 1);
        float[] two = Draw(generator, 1);
        Assert.Equal(pair, new[] { one[0], two[0] });
    }

    [Fact]
    public void Block_draws_neither_use_nor_clear_the_cached_value()
    {
        var reference = new TorchGenerator(11);
        float[] pair = Draw(reference, 2);          // draws 4 words, caches nothing afterwards

        var generator = new TorchGenerator(11);
        float first = Draw(generator, 1)[0];         // same 4 words; caches the sine
        float[] block = Draw(generator, 16);         // continues the word stream after those 4
        float cached = Draw(generator, 1)[0];        // still the cached sine
        Assert.Equal(pair, new[] { first, cached });

        var afterFour = new TorchGenerator(11);
        afterFour.NextUInt64();
        afterFour.NextUInt64();
        Assert.Equal(Draw(afterFour, 16), block);
    }

    [Fact]
    public void ManualSeed_restarts_the_stream_and_drops_the_cache()
    {
        var generator = new TorchGenerator(99);
        float[] fresh = Draw(new TorchGenerator(99), 3);
        Draw(generator, 1);
        Assert.Same(generator, generator.ManualSeed(99));
        Assert.Equal(99UL, generator.InitialSeed);
        Assert.Equal(fresh, Draw(generator, 3));
    }

    [Fact]
    public void Batch_sample_zero_equals_the_single_sample_noise()
    {
        using var single = new TorchGenerator(6652105).Randn([1, 16, 12, 10]);
        using var batch = new TorchGenerator(6652105).Randn([3, 16, 12, 10]);
        Assert.Equal(single.ToArray<float>(), batch.ToArray<float>().AsSpan(0, (int)single.Length).ToArray());
    }

    [Fact]
    public void Clone_continues_independently_from_the_same_point()
    {
        var generator = new TorchGenerator(5);
        Draw(generator, 3); // leaves a cached value
        var copy = generator.Clone();
        Assert.Equal(Draw(generator, 33), Draw(copy, 33));
        Assert.Equal(Draw(generator, 1), Draw(copy, 1));
    }

    [Fact]
    public void Successive_draws_continue_the_stream()
    {
        // Two block draws from one generator equal one draw split at a block boundary.
        float[] whole = Draw(new TorchGenerator(2024), 64);
        var generator = new TorchGenerator(2024);
        float[] a = Draw(generator, 32);
        float[] b = Draw(generator, 32);
        Assert.Equal(whole, a.Concat(b).ToArray());
    }

    [Fact]
    public void BFloat16_randn_small_draws_round_the_double_path()
    {
        using var f32 = new TorchGenerator(8).Randn([7]);
        using var bf16 = new TorchGenerator(8).Randn([7], DType.BF16);
        ushort[] bits = bf16.ToArray<ushort>();
        float[] values = f32.ToArray<float>();
        for (int i = 0; i < values.Length; i++)
        {
            // Both round the same double; the float is within half a bf16 ulp of the bf16 value.
            float widened = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
            Assert.True(Math.Abs(widened - values[i]) <= Math.Abs(values[i]) / 256, $"element {i}: {widened} vs {values[i]}");
        }
    }

    [Fact]
    public void BflNoise_has_the_packed_latent_shape()
    {
        Assert.Equal([1, 16, 8, 8], BflNoise.Shape(1, 64, 64));
        Assert.Equal([2, 16, 6, 10], BflNoise.Shape(2, 48, 80));
        Assert.Equal([1, 16, 128, 128], BflNoise.Shape(1, 1024, 1024));
        Assert.Equal([1, 16, 4, 4], BflNoise.Shape(1, 17, 20)); // ceil(17/16) = 2
        using var noise = BflNoise.GetNoise(1, 64, 64, 42);
        Assert.Equal(Draw(new TorchGenerator(42), 1024), noise.ToArray<float>());
    }

    [Fact]
    public void Randn_rejects_unsupported_dtypes() =>
        Assert.Throws<NotSupportedException>(() => new TorchGenerator(1).Randn([16], DType.F16));

    private static float[] Draw(TorchGenerator generator, int n)
    {
        float[] values = new float[n];
        generator.Randn(values);
        return values;
    }
}
