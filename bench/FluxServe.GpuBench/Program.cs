using System.Diagnostics;
using System.Globalization;
using FluxServe.Engine;
using FluxServe.Engine.Cuda;
using FluxServe.GpuBench;

// FluxServe.GpuBench: what a GPU session runs (docs/cuda.md). Every command prints human-readable lines; --json FILE
// also writes the numbers. Exit code: 0 when everything that ran passed, 1 otherwise, 2 for a usage error.
var arguments = new Queue<string>(args);
string command = arguments.Count > 0 ? arguments.Dequeue() : "help";
var settings = new BenchSettings();
string? jsonPath = null;
string filter = "FluxServe.Engine.Tests.Cuda.";
while (arguments.Count > 0)
{
    string option = arguments.Dequeue();
    switch (option)
    {
        case "--steps": settings = settings with { Steps = int.Parse(arguments.Dequeue(), CultureInfo.InvariantCulture) }; break;
        case "--warmup": settings = settings with { Warmup = int.Parse(arguments.Dequeue(), CultureInfo.InvariantCulture) }; break;
        case "--size": settings = settings with { ImageSize = int.Parse(arguments.Dequeue(), CultureInfo.InvariantCulture) }; break;
        case "--text-tokens": settings = settings with { TextTokens = int.Parse(arguments.Dequeue(), CultureInfo.InvariantCulture) }; break;
        case "--fp8": settings = settings with { Fp8 = true }; break;
        case "--tiny": settings = settings with { Tiny = true, ImageSize = 64, TextTokens = 16, Steps = 2, Warmup = 1 }; break;
        case "--skip-flux": settings = settings with { SkipFlux = true }; break;
        case "--skip-t5": settings = settings with { SkipT5 = true }; break;
        case "--skip-clip": settings = settings with { SkipClip = true }; break;
        case "--skip-vae": settings = settings with { SkipVae = true }; break;
        case "--json": jsonPath = arguments.Dequeue(); break;
        case "--filter": filter = arguments.Dequeue(); break;
        case "--require-gpu": Environment.SetEnvironmentVariable("FLUXSERVE_REQUIRE_CUDA", "1"); break;
        default:
            Console.Error.WriteLine($"Unknown option '{option}'.");
            return 2;
    }
}

var results = new BenchResults();
var log = Console.Out;
int failures;
var clock = Stopwatch.StartNew();
try
{
    failures = command switch
    {
        "probe" => Probe(),
        "check-kernels" => CheckKernels(),
        "test" => Test(),
        "networks" => new NetworkCheck(log).Run(results),
        "ceilings" => Ceilings(),
        "bench" => Bench(),
        // Tests last: they turn on allocation poisoning for the device, which would slow the benchmark down.
        "all" => Probe() + CheckKernels() + new NetworkCheck(log).Run(results) + Bench() + Test(),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is CudaException or InvalidOperationException or NotSupportedException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"{command}: {ex}");
    results.Add($"{command}.error", ex.Message);
    failures = 1;
}
finally
{
    log.WriteLine($"{command}: done in {clock.Elapsed.TotalSeconds:F1} s");
}

if (jsonPath is not null)
{
    results.Write(jsonPath);
}

return failures == 0 ? 0 : command is "help" ? 2 : 1;

int Usage()
{
    log.WriteLine("""
        usage: FluxServe.GpuBench <command> [options]
          probe            where libcuda, NVRTC and cuBLASLt were found; the device
          check-kernels    compile every embedded kernel module with NVRTC for this GPU (fails if one fails)
          test             the CUDA tests of FluxServe.Engine.Tests, in-process (--filter TEXT, --require-gpu)
          networks         tiny FLUX, T5, CLIP and autoencoder on CUDA (fp32 and bf16) against the CPU
          ceilings         bf16 GEMM rate, copy bandwidth, attention rate
          bench            FLUX.1 step, T5-XXL, CLIP-L, autoencoder decode with real shapes and random weights
                           (--steps N --warmup N --size PX --text-tokens N --fp8 --tiny --skip-flux/-t5/-clip/-vae)
          all              probe, check-kernels, networks, bench, test
        options for every command: --json FILE (numbers as JSON)
        """);
    return 1;
}

int Probe()
{
    log.WriteLine("probe: native libraries");
    log.Write(CudaBackend.DescribeLibraries());
    if (!CudaBackend.TryCreate(out var backend, out string reason))
    {
        log.WriteLine($"probe: no CUDA backend: {reason}");
        results.Add("probe.error", reason);
        return 1;
    }

    var info = backend.Info;
    var (free, total) = backend.DeviceMemory();
    log.WriteLine($"probe: {info}");
    log.WriteLine($"probe: {info.Libraries}");
    log.WriteLine($"probe: kernels for {backend.KernelTarget}, cache {backend.KernelCacheDirectory ?? "(none)"}; {free >> 20} MiB free of {total >> 20} MiB");
    results.Add("device.name", info.Name);
    results.Add("device.compute_capability", info.ComputeCapability);
    results.Add("device.multiprocessors", info.MultiprocessorCount);
    results.Add("device.driver_cuda", info.DriverVersion);
    results.Add("device.nvrtc", info.NvrtcVersion);
    results.Add("device.cublaslt", info.CublasLtVersion);
    results.Add("device.libraries", info.Libraries);
    return 0;
}

int CheckKernels()
{
    if (!CudaBackend.TryCreate(out var backend, out string reason))
    {
        log.WriteLine($"check-kernels: no CUDA backend: {reason}");
        return 1;
    }

    int failed = 0;
    foreach (var report in backend.CompileKernels())
    {
        log.WriteLine($"check-kernels: {report.Module}.cu → {report.Target}: {(report.Succeeded ? "ok" : "FAILED")} in {report.Elapsed.TotalSeconds:F2} s{(report.FromCache ? " (cache)" : string.Empty)}, {report.ImageBytes} bytes");
        if (report.Log.Length > 0)
        {
            log.WriteLine("    " + report.Log.Replace("\n", "\n    ", StringComparison.Ordinal));
        }

        results.Add($"kernels.{report.Module}.seconds", report.Elapsed.TotalSeconds);
        failed += report.Succeeded ? 0 : 1;
    }

    log.WriteLine($"check-kernels: {(failed == 0 ? "every module compiled" : $"{failed} modules FAILED")}");
    return failed;
}

int Test()
{
    var assembly = typeof(FluxServe.Engine.Tests.Cuda.CudaTestDevice).Assembly;
    int failed = new InProcessTestRunner(log).Run(assembly, filter);
    results.Add("tests.failed", failed);
    return failed;
}

int Ceilings()
{
    if (!CudaBackend.TryCreate(out var backend, out string reason))
    {
        log.WriteLine($"ceilings: no CUDA backend: {reason}");
        return 1;
    }

    backend.Register();
    new DeviceCeilings(log).Run(backend, results, settings.Tiny);
    return 0;
}

int Bench()
{
    var options = new CudaBackendOptions { ActivationDType = DType.BF16, Fp8TensorCores = settings.Fp8 };
    if (!CudaBackend.TryCreate(options, out var backend, out string reason))
    {
        log.WriteLine($"bench: no CUDA backend: {reason}");
        return 1;
    }

    backend.Register();
    backend.CompileKernels();
    double measured = new DeviceCeilings(log).Run(backend, results, settings.Tiny);
    double datasheet = DatasheetBf16(backend.Info.Name);
    double peak = datasheet > 0 ? datasheet : measured;
    log.WriteLine($"bench: MFU is against {peak / 1e12:F0} TFLOP/s ({(datasheet > 0 ? "datasheet dense bf16" : "measured GEMM, no datasheet figure for this device")}); measured GEMM is {measured / peak:P0} of it");
    results.Add("bench.peak_tflops", peak / 1e12);
    var encoders = new EncoderBench(log);
    if (!settings.SkipT5)
    {
        encoders.T5(backend, settings, results);
    }

    if (!settings.SkipClip)
    {
        encoders.Clip(backend, settings, results);
    }

    if (!settings.SkipFlux)
    {
        new FluxStepBench(log).Run(backend, settings, results, peak);
    }

    if (!settings.SkipVae)
    {
        encoders.VaeDecode(backend, settings, results);
    }

    return 0;
}

// Dense bf16 tensor-core rate of the SXM parts (NVIDIA datasheets); 0 when unknown.
static double DatasheetBf16(string name) =>
    name.Contains("H100", StringComparison.Ordinal) || name.Contains("H200", StringComparison.Ordinal) ? 989.4e12
    : name.Contains("A100", StringComparison.Ordinal) ? 312e12
    : 0;
