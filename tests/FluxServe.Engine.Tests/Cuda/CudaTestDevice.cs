using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>
/// The CUDA backends the tests share (one per activation dtype; creating a backend compiles or loads the kernels, so
/// it is done once per process), or the reason there are none. With <c>FLUXSERVE_REQUIRE_CUDA=1</c> (set by the GPU
/// run script) a missing device fails the tests instead of skipping them.
/// </summary>
public static class CudaTestDevice
{
    private static readonly Lazy<(CudaBackend? F32, CudaBackend? BF16, string Reason)> s_backends = new(Create);

    /// <summary>Why CUDA tests are skipped, or null when a device is present (or required).</summary>
    public static string? SkipReason
    {
        get
        {
            if (Required)
            {
                return null;
            }

            var (f32, _, reason) = s_backends.Value;
            return f32 is null ? $"no CUDA device ({reason})" : null;
        }
    }

    /// <summary>True when the environment demands a GPU (the GPU run script sets <c>FLUXSERVE_REQUIRE_CUDA=1</c>).</summary>
    public static bool Required => Environment.GetEnvironmentVariable("FLUXSERVE_REQUIRE_CUDA") == "1";

    /// <summary>The backend computing in float32 (compared with the CPU at float32 tolerances).</summary>
    public static CudaBackend F32 => s_backends.Value.F32 ?? throw new InvalidOperationException("No CUDA device: " + s_backends.Value.Reason);

    /// <summary>The backend computing with bf16 activations (the product mode).</summary>
    public static CudaBackend BF16 => s_backends.Value.BF16 ?? throw new InvalidOperationException("No CUDA device: " + s_backends.Value.Reason);

    /// <summary>True under scripts/gpu/test-on-emulator.sh's fake driver (host emulation, thousands of times slower).</summary>
    public static bool IsEmulated => s_backends.Value.F32?.Info.Name == "FluxServe host emulation";

    /// <summary>The backend for <paramref name="activation"/> (F32 or BF16).</summary>
    public static CudaBackend For(DType activation) => activation == DType.F32 ? F32 : BF16;

    private static (CudaBackend?, CudaBackend?, string) Create()
    {
        // Tests poison every allocation (NaN bytes), so an output element a kernel forgets to write shows up.
        if (!CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.F32, PoisonAllocations = true }, out var f32, out string reason))
        {
            return (null, null, reason);
        }

        CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.BF16, PoisonAllocations = true }, out var bf16, out _);
        return (f32, bf16, string.Empty);
    }
}
