using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Engine.Cpu;

namespace FluxServe.Benchmarks;

/// <summary>
/// The VAE decoder's convolutions at a 256² feature map (a 512² image's last stages are 512² × 128 channels, four
/// times this): 3×3 with padding 1 and the 1×1 shortcut, plus GroupNorm(32) and the ×2 nearest upsample around them.
/// </summary>
[MemoryDiagnoser]
public class OpsConvBenchmarks
{
    private Tensor _x = null!, _w3 = null!, _w1 = null!, _bias = null!, _gamma = null!, _beta = null!;

    /// <summary>Channels in and out.</summary>
    [Params(128, 256)]
    public int Channels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = OpsData.Random(1, 1, Channels, 256, 256);
        _w3 = OpsData.Random(2, Channels, Channels, 3, 3);
        _w1 = OpsData.Random(3, Channels, Channels, 1, 1);
        _bias = OpsData.Random(4, Channels);
        _gamma = OpsData.Random(5, Channels);
        _beta = OpsData.Random(6, Channels);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w3, _w1, _bias, _gamma, _beta })
        {
            t.Dispose();
        }
    }

    /// <summary>3×3, stride 1, padding 1 (im2col tiles + GEMM).</summary>
    [Benchmark]
    public void Conv3x3()
    {
        using var y = CpuBackend.Instance.Conv2d(_x, _w3, _bias, 1, 1);
    }

    /// <summary>1×1 (a GEMM straight on the input).</summary>
    [Benchmark]
    public void Conv1x1()
    {
        using var y = CpuBackend.Instance.Conv2d(_x, _w1, _bias, 1, 0);
    }

    /// <summary>GroupNorm with 32 groups, eps 1e-6, affine.</summary>
    [Benchmark]
    public void GroupNorm()
    {
        using var y = CpuBackend.Instance.GroupNorm(_x, 32, _gamma, _beta, 1e-6f);
    }

    /// <summary>Nearest ×2.</summary>
    [Benchmark]
    public void Upsample()
    {
        using var y = CpuBackend.Instance.UpsampleNearest(_x, 2);
    }
}
