using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>
/// The torchsde Brownian tree port: its construction from the NumPy seeds and PyTorch normals (recomputed here from the
/// documented formulas), and the properties a Brownian motion sampled this way must have: additivity over adjacent
/// intervals, independence of the query order, unit variance of normalised increments, independence of disjoint ones.
/// </summary>
public sealed class BrownianTreeTests
{
    private const int Length = 96;

    [Fact]
    public void The_whole_interval_is_randn_of_the_first_seed_times_the_root_of_its_length()
    {
        const double T0 = 0.001, T1 = 1.0;
        var tree = new BrownianTree(T0, T1, Length, entropy: 42);
        var w = new float[Length];
        tree.Increment(T0, T1, w);

        // SeedSequence(42, pool_size=24).generate_state(3)[0] = 387750627 (NumPy).
        var expected = new float[Length];
        new TorchGenerator(387750627).Randn(expected);
        float scale = (float)Math.Sqrt(T1 - T0);
        for (int i = 0; i < Length; i++)
        {
            Assert.Equal(expected[i] * scale, w[i]);
        }
    }

    [Fact]
    public void The_first_half_is_the_brownian_bridge_with_the_root_split_seed()
    {
        const double T0 = 0.25, T1 = 0.75;
        var tree = new BrownianTree(T0, T1, Length, entropy: 42);
        var whole = new float[Length];
        var left = new float[Length];
        tree.Increment(T0, T1, whole);
        tree.Increment(T0, 0.5, left);

        // Root split: SeedSequence(42, spawn_key=(0, 0), pool_size=24).generate_state(4)[0] = 2102017995 (NumPy);
        // W_left = (l/h)·W + √(l·r/h)·ε with l = r = 0.25, h = 0.5.
        var epsilon = new float[Length];
        new TorchGenerator(2102017995).Randn(epsilon);
        float deviation = (float)Math.Sqrt(0.25 * 0.25 * 2.0);
        for (int i = 0; i < Length; i++)
        {
            float mean = 0.25f * whole[i] * 2f;
            Assert.Equal(mean + (deviation * epsilon[i]), left[i]);
        }
    }

    [Fact]
    public void Adjacent_increments_add_up()
    {
        var tree = new BrownianTree(0.0003, 1.0, Length, entropy: 7);
        var ab = new float[Length];
        var bc = new float[Length];
        var ac = new float[Length];
        tree.Increment(0.2, 0.45, ab);
        tree.Increment(0.45, 0.8125, bc);
        tree.Increment(0.2, 0.8125, ac);
        for (int i = 0; i < Length; i++)
        {
            Assert.True(Math.Abs(ac[i] - (ab[i] + bc[i])) <= 1e-5 * Math.Max(1, Math.Abs(ac[i])), $"[{i}] {ac[i]} vs {ab[i]} + {bc[i]}");
        }
    }

    [Fact]
    public void Increments_do_not_depend_on_the_query_order()
    {
        (double, double)[] queries = [(0.9, 0.95), (0.1, 0.3), (0.3, 0.9), (0.123457, 0.5), (0.001, 0.002)];
        var forward = Query(queries, new BrownianTree(0.001, 1.0, Length, entropy: 123));
        var backward = Query([.. queries.Reverse()], new BrownianTree(0.001, 1.0, Length, entropy: 123));
        backward.Reverse();
        for (int q = 0; q < queries.Length; q++)
        {
            Assert.Equal(forward[q], backward[q]);
        }
    }

    [Fact]
    public void Cache_eviction_and_buffer_reuse_do_not_change_increments()
    {
        // A 60-step schedule queried on one tree (its cache evicts and recycles buffers) against each query on a fresh tree.
        var shared = new BrownianTree(0.0003, 1.0, Length, entropy: 99);
        for (int k = 0; k < 60; k++)
        {
            double a = 0.0003 + (k * (1 - 0.0003) / 60), b = 0.0003 + ((k + 1) * (1 - 0.0003) / 60);
            var fromShared = new float[Length];
            var fromFresh = new float[Length];
            shared.Increment(a, b, fromShared);
            new BrownianTree(0.0003, 1.0, Length, entropy: 99).Increment(a, b, fromFresh);
            Assert.Equal(fromFresh, fromShared);
        }
    }

    [Fact]
    public void Normalised_increments_are_standard_normal_and_disjoint_ones_uncorrelated()
    {
        const int N = 1 << 16;
        var tree = new BrownianTree(0.001, 1.0, N, entropy: 2024);
        var a = new float[N];
        var b = new float[N];
        tree.Increment(0.3, 0.55, a);
        tree.Increment(0.55, 0.6, b);
        double sa = 0, saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < N; i++)
        {
            double x = a[i] / Math.Sqrt(0.25), y = b[i] / Math.Sqrt(0.05);
            sa += x;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }

        Assert.InRange(sa / N, -0.02, 0.02);
        Assert.InRange(saa / N, 0.97, 1.03);
        Assert.InRange(sbb / N, 0.97, 1.03);
        Assert.InRange(sab / N, -0.02, 0.02);
    }

    [Fact]
    public void Queries_outside_the_tree_are_clamped_like_torchsde()
    {
        var tree = new BrownianTree(0.0009966, 1.0, Length, entropy: 1);
        var inside = new float[Length];
        var below = new float[Length];
        tree.Increment(0.000997, 0.5, inside);
        tree.Increment(0.0009966, 0.5, below); // below the rounded start 0.000997: clamped to it
        Assert.Equal(inside, below);
        Assert.Equal(1, tree.ClampedQueries);

        var empty = new float[Length];
        tree.Increment(0.4, 0.4, empty);
        Assert.All(empty, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Noise_sampler_normalises_and_signs_like_comfyui()
    {
        var noise = new BrownianTreeNoise(Length, 0.001f, 1f, seed: 42);
        var tree = new BrownianTree(0.001f, 1f, Length, entropy: 42);
        var down = new float[Length];
        var w = new float[Length];
        noise.Next(0.75f, 0.5f, down); // σ → σ' downwards: −W(σ', σ)/√|σ' − σ|
        tree.Increment(0.5f, 0.75f, w);
        float root = MathF.Sqrt(0.25f);
        for (int i = 0; i < Length; i++)
        {
            Assert.Equal(-w[i] / root, down[i]);
        }
    }

    private static List<float[]> Query((double A, double B)[] queries, BrownianTree tree)
    {
        var results = new List<float[]>();
        foreach ((double a, double b) in queries)
        {
            var w = new float[Length];
            tree.Increment(a, b, w);
            results.Add(w);
        }

        return results;
    }
}
