using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FluxServe.Engine;
using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Benchmarks;

/// <summary>
/// CPU attention (<see cref="CpuBackend.Attention"/>) at FLUX-like sizes: 24 heads of 128, 1024 tokens (a 512² image
/// with 256 text tokens is about that) and 4352 (1024² with 256 text tokens), plus CLIP's causal 12×77×64. The
/// GFLOP/s column counts the two products, 4·B·H·Lq·Lk·D (halved for causal). <c>VectorBits</c> caps the register width to
/// compare the AVX-512, AVX2 and 128-bit paths on one machine.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(AttentionConfig))]
public class OpsAttentionBenchmarks
{
    private Tensor _q = null!, _k = null!, _v = null!;

    /// <summary>Heads × tokens × head dim, with a trailing "c" for causal.</summary>
    [Params("24x1024x128", "24x4352x128", "12x77x64c")]
    public string Shape { get; set; } = "";

    /// <summary>Widest register the kernels may use, in bits (32 = scalar).</summary>
    [Params(512, 256, 128)]
    public int VectorBits { get; set; }

    private bool Causal => Shape.EndsWith('c');

    [GlobalSetup]
    public void Setup()
    {
        KernelDispatch.Limit = OpsData.Width(VectorBits);
        var (h, l, d) = AttentionFlops.Dims(Shape);
        _q = OpsData.Random(1, 1, h, l, d);
        _k = OpsData.Random(2, 1, h, l, d);
        _v = OpsData.Random(3, 1, h, l, d);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        KernelDispatch.Limit = SimdWidth.W512;
        _q.Dispose();
        _k.Dispose();
        _v.Dispose();
    }

    /// <summary>softmax(q·kᵀ/√D)·v.</summary>
    [Benchmark]
    public void Attention()
    {
        using var y = CpuBackend.Instance.Attention(_q, _k, _v, null, Causal, 1f / MathF.Sqrt(_q.Shape[3]));
    }

    private sealed class AttentionConfig : ManualConfig
    {
        public AttentionConfig()
        {
            AddColumn(new AttentionFlops());
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1));
        }
    }

    private sealed class AttentionFlops : IColumn
    {
        public string Id => nameof(AttentionFlops);

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "4·H·L²·D (half of it when causal) over the mean time, in 10^9 floating-point operations per second";

        public static (int H, int L, int D) Dims(string shape)
        {
            int[] d = [.. shape.TrimEnd('c').Split('x').Select(x => int.Parse(x, CultureInfo.InvariantCulture))];
            return (d[0], d[1], d[2]);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats is null || benchmarkCase.Parameters["Shape"] is not string shape)
            {
                return "-";
            }

            var (h, l, d) = Dims(shape);
            double flops = 4.0 * h * l * l * d * (shape.EndsWith('c') ? 0.5 : 1);
            return (flops / stats.Mean).ToString("F1", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
