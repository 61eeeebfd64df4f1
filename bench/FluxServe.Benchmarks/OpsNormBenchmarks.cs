using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Benchmarks;

/// <summary>
/// The adaLN pre-norm of every FLUX block, (1 + scale)·LN(x) + shift, on [1, L, 3072]: LayerNorm without affine
/// (eps 1e-6) and Modulate on their own and chained, and RMSNorm over 128-wide heads (the QK norm), at each register
/// width. Memory-bound: 4096×3072 floats are 48 MB in and 48 MB out per op.
/// </summary>
[MemoryDiagnoser]
public class OpsNormBenchmarks
{
    private Tensor _x = null!, _shift = null!, _scale = null!, _normed = null!, _heads = null!, _headScale = null!;

    /// <summary>Tokens.</summary>
    [Params(1024, 4096)]
    public int Tokens { get; set; }

    /// <summary>Widest register the kernels may use, in bits (32 = scalar).</summary>
    [Params(512, 256, 128)]
    public int VectorBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        KernelDispatch.Limit = OpsData.Width(VectorBits);
        _x = OpsData.Random(1, 1, Tokens, 3072);
        _shift = OpsData.Random(2, 1, 3072);
        _scale = OpsData.Random(3, 1, 3072);
        _normed = CpuBackend.Instance.LayerNorm(_x, null, null, 1e-6f);
        _heads = OpsData.Random(4, 1, 24, Tokens, 128);
        _headScale = OpsData.Random(5, 128);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        KernelDispatch.Limit = SimdWidth.W512;
        foreach (var t in new[] { _x, _shift, _scale, _normed, _heads, _headScale })
        {
            t.Dispose();
        }
    }

    /// <summary>LN(x), no affine.</summary>
    [Benchmark]
    public void LayerNorm()
    {
        using var y = CpuBackend.Instance.LayerNorm(_x, null, null, 1e-6f);
    }

    /// <summary>(1 + scale)·x + shift.</summary>
    [Benchmark]
    public void Modulate()
    {
        using var y = CpuBackend.Instance.Modulate(_normed, _shift, _scale);
    }

    /// <summary>(1 + scale)·LN(x) + shift, as a block runs it.</summary>
    [Benchmark]
    public void LayerNormThenModulate()
    {
        using var normed = CpuBackend.Instance.LayerNorm(_x, null, null, 1e-6f);
        using var y = CpuBackend.Instance.Modulate(normed, _shift, _scale);
    }

    /// <summary>RMSNorm of q over each 128-wide head.</summary>
    [Benchmark]
    public void QkRmsNorm()
    {
        using var y = CpuBackend.Instance.RmsNorm(_heads, _headScale, 1e-6f);
    }
}
