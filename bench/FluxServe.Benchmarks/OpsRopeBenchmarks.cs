using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Benchmarks;

/// <summary>
/// FLUX RoPE on q of [1, 24, L, 128] with a [1, 1, L, 64, 2, 2] table, at each register width (Scalar included:
/// the pair loop without shuffles).
/// </summary>
[MemoryDiagnoser]
public class OpsRopeBenchmarks
{
    private Tensor _q = null!, _pe = null!;

    /// <summary>Tokens.</summary>
    [Params(1024, 4096)]
    public int Tokens { get; set; }

    /// <summary>Widest register the kernels may use, in bits (32 = scalar).</summary>
    [Params(512, 256, 128, 32)]
    public int VectorBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        KernelDispatch.Limit = OpsData.Width(VectorBits);
        _q = OpsData.Random(1, 1, 24, Tokens, 128);
        _pe = OpsData.RotationTable(Tokens, 128);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        KernelDispatch.Limit = SimdWidth.W512;
        _q.Dispose();
        _pe.Dispose();
    }

    /// <summary>Rotates every head of q.</summary>
    [Benchmark]
    public void Rope()
    {
        using var y = CpuBackend.Instance.Rope(_q, _pe);
    }
}
