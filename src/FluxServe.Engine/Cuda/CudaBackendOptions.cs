namespace FluxServe.Engine.Cuda;

/// <summary>How a <see cref="CudaBackend"/> computes (docs/cuda.md).</summary>
public sealed record CudaBackendOptions
{
    /// <summary>The device ordinal.</summary>
    public int DeviceOrdinal { get; init; }

    /// <summary>
    /// The dtype of activations: every operation's output (except <see cref="IBackend.Cast"/> and the layout operations,
    /// which keep their input's dtype). <see cref="DType.BF16"/> with float32 accumulation is the product mode;
    /// <see cref="DType.F32"/> computes in float32 throughout, so results can be held to the float32 fixtures'
    /// tolerances; <see cref="DType.F16"/> is accepted too.
    /// </summary>
    public DType ActivationDType { get; init; } = DType.BF16;

    /// <summary>
    /// fp8 e4m3 weights: when true (and the device is sm_89 or newer) the activation is quantised to e4m3 with a
    /// per-tensor scale computed on the device and the product runs on fp8 tensor cores with cuBLASLt scale pointers;
    /// when false the weight is widened to the activation dtype first (slower, exact up to the activation dtype).
    /// </summary>
    public bool Fp8TensorCores { get; init; }

    /// <summary>Allow TF32 tensor cores for float32 products (faster, about 1e-3 relative error). Off by default.</summary>
    public bool AllowTf32 { get; init; }

    /// <summary>Use cuBLASLt's GELU epilogue for <see cref="Activation.GeluTanh"/> (else a separate kernel).</summary>
    public bool FuseGeluEpilogue { get; init; } = true;

    /// <summary>Use the flash-attention kernel where it applies (bf16, head dim 64 or 128, sm_80+).</summary>
    public bool FlashAttention { get; init; } = true;

    /// <summary>
    /// Fill every new allocation with 0xFF bytes (NaN in every float dtype) so that an element a kernel fails to write
    /// shows up as NaN in tests. Costs one memset per allocation, and stays on for the device (every backend on it)
    /// once a backend with it has been created.
    /// </summary>
    public bool PoisonAllocations { get; init; }

    /// <summary>
    /// Keep converted copies of small parameters (biases, norm weights, conv weights) whose dtype differs from what a
    /// kernel reads, keyed by the source storage; released with the source. Safe for weights, which are never written.
    /// </summary>
    public bool CacheConvertedParameters { get; init; } = true;

    /// <summary>Where compiled kernels are cached; null: <c>$FLUXSERVE_CUDA_CACHE</c>, else <c>$XDG_CACHE_HOME/fluxserve/cuda</c>, else <c>~/.cache/fluxserve/cuda</c>.</summary>
    public string? KernelCacheDirectory { get; init; }

    /// <summary>The NVRTC target instead of the device's own (<c>sm_90a</c>, <c>compute_80</c>); null: the device's.</summary>
    public string? ArchitectureOverride { get; init; }

    /// <summary>Bytes the attention fallback (matrix products plus a softmax pass) may use for one chunk of scores.</summary>
    public long AttentionScratchBytes { get; init; } = 512L << 20;

    /// <summary>Bytes the convolution may use for one chunk of its im2col matrix.</summary>
    public long ConvolutionScratchBytes { get; init; } = 256L << 20;
}
