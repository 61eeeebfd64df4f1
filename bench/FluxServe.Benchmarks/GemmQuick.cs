using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using FluxServe.Engine;
using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Numerics;

namespace FluxServe.Benchmarks;

/// <summary>
/// <c>gemm-quick</c>: times <see cref="Sgemm"/> at the FLUX shapes and prints GFLOP/s (2·M·N·K per call), the best
/// and the median of several runs after a warm-up. Same shapes as <c>scripts/bench-gemm-peers.py</c> so the figures
/// compare with OpenBLAS and PyTorch directly.
/// </summary>
/// <remarks>
/// Options: <c>--shapes 4096x3072x3072,4096x3072x12288</c> (M×K×N), <c>--types F32,BF16</c> (B's stored dtype),
/// <c>--layouts NByK,KByN</c>, <c>--threads N</c>, <c>--isa Avx512|Avx2|Vector128</c>, <c>--runs N</c>.
/// The default set is the FLUX shapes as a Linear (B = weight [N, K]) in F32 and BF16 and as a plain A·B in F32.
/// </remarks>
public static unsafe class GemmQuick
{
    public static int Run(string[] args)
    {
        var options = Parse(args);
        Console.WriteLine($"gemm-quick: {Environment.ProcessorCount} cores, kernel {options.Isa}, threads {options.Threads}, {options.Runs} runs (best / median GFLOP/s)");
        foreach (var (m, k, n) in options.Shapes)
        {
            foreach (var layout in options.Layouts)
            {
                foreach (var dtype in options.Types)
                {
                    var (best, median) = Measure(m, k, n, dtype, layout, options);
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"M={m,5} K={k,5} N={n,6} B={dtype,-8} {layout,-5}  best {best,7:F1}  median {median,7:F1} GFLOP/s"));
                }
            }
        }

        return 0;
    }

    private static (double Best, double Median) Measure(int m, int k, int n, DType dtype, GemmBLayout layout, Options options)
    {
        long aCount = (long)m * k, bCount = (long)k * n, cCount = (long)m * n;
        float* a = (float*)NativeMemory.AlignedAlloc((nuint)(aCount * 4), 64);
        byte* b = (byte*)NativeMemory.AlignedAlloc((nuint)(bCount * dtype.SizeOf()), 64);
        float* c = (float*)NativeMemory.AlignedAlloc((nuint)(cCount * 4), 64);
        try
        {
            var random = new Random(42);
            for (long i = 0; i < aCount; i++)
            {
                a[i] = (float)(random.NextDouble() - 0.5);
            }

            // B through the real narrowing, in chunks, so that the widening sees realistic bit patterns.
            var chunk = new float[4096];
            for (long i = 0; i < bCount; i += chunk.Length)
            {
                int len = (int)Math.Min(chunk.Length, bCount - i);
                for (int j = 0; j < len; j++)
                {
                    chunk[j] = (float)(random.NextDouble() - 0.5) * 0.1f;
                }

                FloatConversion.FromSingle(chunk.AsSpan(0, len), dtype, new Span<byte>(b + (i * dtype.SizeOf()), len * dtype.SizeOf()));
            }

            nint ldb = layout == GemmBLayout.KByN ? n : k;
            double flops = 2.0 * m * n * k;
            var rates = new double[options.Runs];
            Sgemm.MultiplyCore(m, n, k, a, k, b, ldb, dtype, layout, c, n, null, Activation.None, 1f, false, options.Isa, options.Threads);
            for (int r = 0; r < options.Runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                Sgemm.MultiplyCore(m, n, k, a, k, b, ldb, dtype, layout, c, n, null, Activation.None, 1f, false, options.Isa, options.Threads);
                rates[r] = flops / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
            }

            Array.Sort(rates);
            return (rates[^1], rates[rates.Length / 2]);
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    private static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--shapes":
                    options.Shapes = value.Split(',').Select(s =>
                    {
                        int[] d = s.Split('x').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                        return (d[0], d[1], d[2]);
                    }).ToArray();
                    break;
                case "--types": options.Types = value.Split(',').Select(Enum.Parse<DType>).ToArray(); break;
                case "--layouts": options.Layouts = value.Split(',').Select(Enum.Parse<GemmBLayout>).ToArray(); break;
                case "--threads": options.Threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--isa": options.Isa = Enum.Parse<GemmIsa>(value); break;
                case "--runs": options.Runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.", nameof(args));
            }
        }

        return options;
    }

    private sealed class Options
    {
        public (int M, int K, int N)[] Shapes { get; set; } = [(4096, 3072, 3072), (4096, 3072, 12288)];

        public DType[] Types { get; set; } = [DType.F32, DType.BF16];

        public GemmBLayout[] Layouts { get; set; } = [GemmBLayout.NByK, GemmBLayout.KByN];

        public int Threads { get; set; } = Environment.ProcessorCount;

        public GemmIsa Isa { get; set; } = GemmIsas.Best;

        public int Runs { get; set; } = 5;
    }
}
