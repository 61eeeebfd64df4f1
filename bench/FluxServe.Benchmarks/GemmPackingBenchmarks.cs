using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Numerics;

namespace FluxServe.Benchmarks;

/// <summary>
/// What a narrow weight costs the GEMM: packing one KC×NC block of B (256×512 elements, widened to float32 and, for
/// the Linear layout [N, K], transposed) per stored dtype, next to the plain span widening of the same element count
/// (<see cref="FloatConversion.ToSingle(DType, ReadOnlySpan{byte}, Span{float})"/>).
/// </summary>
[MemoryDiagnoser]
public unsafe class GemmPackingBenchmarks
{
    private const int K = 3072;
    private const int N = 3072;
    private const int BlockK = 256;
    private const int BlockN = 512;
    private byte* _b;
    private float* _packed;

    [Params(DType.F32, DType.BF16, DType.F16, DType.F8E4M3FN)]
    public DType WeightType { get; set; }

    [Params(GemmBLayout.NByK, GemmBLayout.KByN)]
    public GemmBLayout Layout { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _b = (byte*)NativeMemory.AlignedAlloc((nuint)((long)K * N * WeightType.SizeOf()), 64);
        _packed = (float*)NativeMemory.AlignedAlloc((nuint)((long)BlockK * BlockN * sizeof(float)), 64);
        var random = new Random(3);
        var values = new float[N];
        for (int row = 0; row < K; row++)
        {
            for (int i = 0; i < N; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }

            FloatConversion.FromSingle(values, WeightType, new Span<byte>(_b + ((long)row * N * WeightType.SizeOf()), N * WeightType.SizeOf()));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_packed);
    }

    /// <summary>One B block as the GEMM packs it (best kernel family of this machine).</summary>
    [Benchmark]
    public void PackBlock() => BPacker.Pack(GemmIsas.Best, _b, Layout == GemmBLayout.KByN ? N : K, WeightType, Layout, 512, BlockK, 1024, BlockN, _packed);

    /// <summary>The same number of elements widened as one contiguous span (no transpose).</summary>
    [Benchmark(Baseline = true)]
    public void WidenSpan() => FloatConversion.ToSingle(
        WeightType,
        new ReadOnlySpan<byte>(_b, BlockK * BlockN * WeightType.SizeOf()),
        new Span<float>(_packed, BlockK * BlockN));
}
