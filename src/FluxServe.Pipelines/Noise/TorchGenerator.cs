using FluxServe.Engine;
using FluxServe.Engine.Numerics;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// PyTorch's CPU generator (<c>torch.Generator("cpu")</c>, <c>CPUGeneratorImpl</c>): an mt19937 stream plus the
/// cached second Box-Muller value, drawing <c>torch.randn</c> bit for bit (spec/sampling.md §7). A seed therefore
/// means the same noise here as in ComfyUI, diffusers or BFL's reference on a CPU.
/// </summary>
/// <remarks>
/// The state carries across calls exactly as PyTorch's does: <c>manual_seed(s); randn(a); randn(b)</c> equals
/// <c>ManualSeed(s)</c> then <c>Randn(a)</c>, <c>Randn(b)</c> on one instance (ancestral samplers rely on this).
/// Not thread-safe: one generator per request or sampler.
/// </remarks>
public sealed class TorchGenerator
{
    /// <summary>PyTorch's default CPU seed (<c>default_rng_seed_val</c>), used when none is given.</summary>
    public const ulong DefaultSeed = 67280421310721;

    private readonly MersenneTwister19937 _engine;
    private double? _nextDoubleNormal;

    /// <summary>A generator seeded with <paramref name="seed"/> (only its low 32 bits matter, as in PyTorch).</summary>
    public TorchGenerator(ulong seed = DefaultSeed, RandnKernel kernel = RandnKernel.Avx2)
    {
        _engine = new MersenneTwister19937(seed);
        InitialSeed = seed;
        Kernel = kernel;
    }

    private TorchGenerator(TorchGenerator other)
    {
        _engine = other._engine.Clone();
        _nextDoubleNormal = other._nextDoubleNormal;
        InitialSeed = other.InitialSeed;
        Kernel = other.Kernel;
    }

    /// <summary>The seed last given (<c>initial_seed()</c>), all 64 bits.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>The float32 kernel for tensors of 16 or more elements.</summary>
    public RandnKernel Kernel { get; set; }

    /// <summary>
    /// <c>manual_seed(seed)</c>: restarts the stream from the low 32 bits of <paramref name="seed"/> and drops the
    /// cached normal value. PyTorch's negative seeds are <c>2⁶⁴ + seed</c>: pass <c>unchecked((ulong)seed)</c>.
    /// </summary>
    /// <returns>This generator, like PyTorch's.</returns>
    public TorchGenerator ManualSeed(ulong seed)
    {
        _engine.Seed(seed);
        _nextDoubleNormal = null;
        InitialSeed = seed;
        return this;
    }

    /// <summary>An independent copy at the same point of the stream (<c>get_state</c>/<c>set_state</c>).</summary>
    public TorchGenerator Clone() => new(this);

    /// <summary>The next 32-bit word of the stream (<c>random()</c>).</summary>
    public uint NextUInt32() => _engine.NextUInt32();

    /// <summary><c>random64()</c>: two words, the first in the high half.</summary>
    public ulong NextUInt64() => _engine.NextUInt64();

    /// <summary>
    /// <c>at::normal_distribution&lt;double&gt;(mean, std)</c>: one standard normal from double Box-Muller, the
    /// second of each pair cached for the next call (spec/sampling.md §7.4).
    /// </summary>
    public double NextDoubleNormal(double mean = 0, double std = 1)
    {
        if (_nextDoubleNormal is double cached)
        {
            _nextDoubleNormal = null;
            return (cached * std) + mean;
        }

        double u1 = NextDoubleUniform();
        double u2 = NextDoubleUniform();

        double r = Math.Sqrt(-2.0 * CLibraryMath.Log1POfNegatedUniform(-u2));
        double theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = r * Math.Sin(theta);
        return (r * Math.Cos(theta) * std) + mean;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> like <c>torch.randn</c> of a contiguous float32 tensor of that many
    /// elements: ≥ 16 elements through <see cref="Kernel"/>, fewer through <see cref="NextDoubleNormal"/>.
    /// </summary>
    public void Randn(Span<float> destination) => Normal(destination, 0f, 1f);

    /// <summary><c>torch.normal_(mean, std)</c> on a contiguous float32 tensor (<c>randn</c> is mean 0, std 1).</summary>
    public void Normal(Span<float> destination, float mean, float std)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(std);
        int n = destination.Length;
        if (n < 16)
        {
            for (int i = 0; i < n; i++)
            {
                destination[i] = (float)NextDoubleNormal(mean, std);
            }

            return;
        }

        // All uniforms first, in order; then the blocks of 16; a ragged end is redrawn as one more block over the
        // last 16 elements (normal_fill / normal_fill_AVX2).
        _engine.FillUniformSingle(destination);
        int whole = n - (n % 16);
        TransformBlocks(destination[..whole], mean, std);
        if (whole != n)
        {
            Span<float> tail = destination[(n - 16)..];
            _engine.FillUniformSingle(tail);
            TransformBlocks(tail, mean, std);
        }
    }

    /// <summary>
    /// <c>torch.randn</c> of a contiguous bfloat16 tensor, as bits: ≥ 16 elements through the scalar
    /// <c>normal_fill&lt;BFloat16&gt;</c> (8-bit uniforms, every operation rounded to bfloat16; the same on every
    /// CPU kernel), fewer through <see cref="NextDoubleNormal"/> rounded to bfloat16.
    /// </summary>
    public void RandnBFloat16(Span<ushort> destination)
    {
        int n = destination.Length;
        if (n < 16)
        {
            for (int i = 0; i < n; i++)
            {
                destination[i] = BFloat16Conversion.FromSingle((float)NextDoubleNormal());
            }

            return;
        }

        _engine.FillUniformBFloat16(destination);
        int whole = n - (n % 16);
        NormalFillLibm.TransformBlocksBFloat16(destination[..whole], 0f, 1f);
        if (whole != n)
        {
            Span<ushort> tail = destination[(n - 16)..];
            _engine.FillUniformBFloat16(tail);
            NormalFillLibm.TransformBlocksBFloat16(tail, 0f, 1f);
        }
    }

    /// <summary>
    /// <c>torch.randn(shape, dtype)</c> as a new CPU tensor (one call: a batch continues the stream sample after
    /// sample). Supports <see cref="DType.F32"/> and <see cref="DType.BF16"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">Another dtype.</exception>
    public Tensor Randn(ReadOnlySpan<int> shape, DType dtype = DType.F32)
    {
        if (dtype is not (DType.F32 or DType.BF16))
        {
            throw new NotSupportedException($"randn is implemented for F32 and BF16 tensors, not {dtype}.");
        }

        var tensor = Tensor.Empty(shape, dtype);
        try
        {
            if (dtype == DType.F32)
            {
                Randn(tensor.AsSpan<float>());
            }
            else
            {
                RandnBFloat16(tensor.AsSpan<ushort>());
            }

            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private double NextDoubleUniform()
    {
        const double Scale = 1.0 / (1UL << 53);
        return (_engine.NextUInt64() & ((1UL << 53) - 1)) * Scale;
    }

    private void TransformBlocks(Span<float> blocks, float mean, float std)
    {
        if (Kernel == RandnKernel.Default)
        {
            NormalFillLibm.TransformBlocks(blocks, mean, std);
        }
        else
        {
            NormalFillAvx2.TransformBlocks(blocks, mean, std);
        }
    }
}
