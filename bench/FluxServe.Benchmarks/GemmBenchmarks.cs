using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FluxServe.Engine;
using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Numerics;

namespace FluxServe.Benchmarks;

/// <summary>
/// <see cref="Sgemm"/> at the FLUX shapes (M = 4096 tokens, K = 3072 hidden; N = 3072 for a projection, 12288 for
/// the MLP), as a Linear with the weight [N, K] stored in F32 or BF16 (widened while packing). The GFLOP/s column is
/// 2·M·N·K over the mean time. Each call takes 0.2–1 s, so one invocation per iteration and few iterations.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public unsafe class GemmBenchmarks
{
    private float* _a;
    private byte* _b;
    private float* _c;

    /// <summary>M×K×N.</summary>
    [Params("4096x3072x3072", "4096x3072x12288")]
    public string Shape { get; set; } = "";

    /// <summary>The weight's stored dtype.</summary>
    [Params(DType.F32, DType.BF16)]
    public DType WeightType { get; set; }

    private int M => GflopsColumn.Dims(Shape).M;

    private int K => GflopsColumn.Dims(Shape).K;

    private int N => GflopsColumn.Dims(Shape).N;

    [GlobalSetup]
    public void Setup()
    {
        long aCount = (long)M * K, bCount = (long)N * K;
        _a = (float*)NativeMemory.AlignedAlloc((nuint)(aCount * 4), 64);
        _b = (byte*)NativeMemory.AlignedAlloc((nuint)(bCount * WeightType.SizeOf()), 64);
        _c = (float*)NativeMemory.AlignedAlloc((nuint)((long)M * N * 4), 64);
        var random = new Random(1);
        for (long i = 0; i < aCount; i++)
        {
            _a[i] = (float)(random.NextDouble() - 0.5);
        }

        var row = new float[K];
        for (int j = 0; j < N; j++)
        {
            for (int i = 0; i < K; i++)
            {
                row[i] = (float)(random.NextDouble() - 0.5) * 0.05f;
            }

            FloatConversion.FromSingle(row, WeightType, new Span<byte>(_b + ((long)j * K * WeightType.SizeOf()), K * WeightType.SizeOf()));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }

    /// <summary>y = x·Wᵀ, as Linear runs it.</summary>
    [Benchmark]
    public void Linear() => Sgemm.Multiply(M, N, K, _a, K, _b, K, WeightType, GemmBLayout.NByK, _c, N);

    /// <summary>Adds the GFLOP/s column; one call per iteration (each is long), few iterations.</summary>
    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig()
        {
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(new GflopsColumn());
        }
    }

    /// <summary>2·M·N·K / mean time, with M×K×N read from the <c>Shape</c> parameter.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "2·M·N·K divided by the mean time, in 10^9 floating-point operations per second";

        public static (int M, int K, int N) Dims(string shape)
        {
            int[] d = shape.Split('x').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
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

            var (m, k, n) = Dims(shape);
            return (2.0 * m * n * k / stats.Mean).ToString("F1", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
