using FluxServe.Engine;
using FluxServe.Engine.Cuda;

namespace FluxServe.GpuBench;

/// <summary>
/// The two numbers first (METHOD.md): the device's bf16 matrix rate through cuBLASLt and its copy bandwidth, measured
/// here; then the attention kernel's rate at FLUX's shape, flash and by products.
/// </summary>
public sealed class DeviceCeilings(TextWriter log)
{
    /// <summary>Measures and reports; returns the measured bf16 GEMM rate in FLOP/s.</summary>
    public double Run(CudaBackend backend, BenchResults results, bool tiny = false)
    {
        double gemm = Gemm(backend, tiny ? 128 : 8192, results);
        Bandwidth(backend, results, tiny ? 1 << 20 : 1 << 31);
        Attention(backend, 1, tiny ? 2 : 24, tiny ? 96 : 4608, 128, results, flash: true);
        Attention(backend, 1, 1, tiny ? 130 : 16896, 128, results, flash: true);
        Attention(backend, 1, tiny ? 2 : 24, tiny ? 96 : 4608, 128, results, flash: false);
        return gemm;
    }

    private double Gemm(CudaBackend backend, int n, BenchResults results)
    {
        using var a = backend.Allocate([n, n], DType.BF16, zero: false);
        using var b = backend.Allocate([n, n], DType.BF16, zero: false);
        backend.FillNormal(a, 1);
        backend.FillNormal(b, 2);
        var times = Repeat(backend, 3, 10, () => backend.MatMul(a, b));
        double flops = 2.0 * n * n * n / (BenchStatistics.Median(times) / 1e3);
        log.WriteLine($"ceiling: bf16 GEMM {n}³ via cuBLASLt: {flops / 1e12:F0} TFLOP/s ({BenchStatistics.Describe(times)})");
        results.Add("ceiling.gemm_bf16_tflops", flops / 1e12);
        return flops;
    }

    private void Bandwidth(CudaBackend backend, BenchResults results, int bytes)
    {
        using var source = backend.Allocate([bytes], DType.U8, zero: true);
        var times = Repeat(backend, 2, 10, () => backend.Copy(source, backend.Device));
        double bandwidth = 2.0 * bytes / (BenchStatistics.Median(times) / 1e3);
        log.WriteLine($"ceiling: device copy of {bytes >> 20} MiB: {bandwidth / 1e12:F2} TB/s counting read + write ({BenchStatistics.Describe(times)})");
        results.Add("ceiling.copy_tbps", bandwidth / 1e12);
    }

    private void Attention(CudaBackend backend, int batch, int heads, int length, int d, BenchResults results, bool flash)
    {
        CudaBackend runner = backend;
        if (!flash && !CudaBackend.TryCreate(backend.Options with { FlashAttention = false }, out runner!, out _))
        {
            return;
        }

        using var q = backend.Allocate([batch, heads, length, d], DType.BF16, zero: false);
        using var k = backend.Allocate([batch, heads, length, d], DType.BF16, zero: false);
        using var v = backend.Allocate([batch, heads, length, d], DType.BF16, zero: false);
        backend.FillNormal(q, 3);
        backend.FillNormal(k, 4);
        backend.FillNormal(v, 5);
        var times = Repeat(backend, 2, 5, () => runner.Attention(q, k, v, null, false, 1f / MathF.Sqrt(d)));
        double flops = 4.0 * batch * heads * length * (double)length * d / (BenchStatistics.Median(times) / 1e3);
        string name = flash ? "flash" : "products";
        log.WriteLine($"attention ({name}): B{batch} H{heads} L{length} D{d}: {flops / 1e12:F0} TFLOP/s ({BenchStatistics.Describe(times)})");
        results.Add($"attention.{name}.h{heads}_l{length}_d{d}_tflops", flops / 1e12);
    }

    private static List<double> Repeat(CudaBackend backend, int warmup, int count, Func<Tensor> run)
    {
        var times = new List<double>();
        for (int i = 0; i < warmup + count; i++)
        {
            using var timer = backend.StartTimer();
            using var output = run();
            double ms = timer.Stop();
            if (i >= warmup)
            {
                times.Add(ms);
            }
        }

        return times;
    }
}
