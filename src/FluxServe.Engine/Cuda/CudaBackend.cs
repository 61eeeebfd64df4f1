using System.Diagnostics.CodeAnalysis;
using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// The CUDA backend (DESIGN.md "CUDA backend"): the driver API, cuBLASLt and NVRTC through P/Invoke; our kernels are
/// CUDA C files embedded in this assembly, compiled once per GPU architecture and cached on disk. One operation per
/// file (<c>CudaBackend.*.cs</c>), each checked against the CPU backend by <c>tests/FluxServe.Engine.Tests/Cuda</c>.
/// </summary>
/// <remarks>
/// <para><b>Dtypes.</b> Activations are <see cref="ActivationDType"/> (bf16 by default, float32 for checking against
/// the fixtures); every kernel accumulates in float32. A float input of another dtype is converted first (small
/// parameters once, see <see cref="CudaBackendOptions.CacheConvertedParameters"/>). Linear weights stay in their
/// stored dtype where cuBLASLt can read it (bf16, fp16, fp32, and fp8 e4m3 with
/// <see cref="CudaBackendOptions.Fp8TensorCores"/>). Layout operations (<see cref="Concat"/>, <see cref="Slice"/>,
/// <see cref="Permute"/>, <see cref="UpsampleNearest"/>) keep their input's dtype, so integer-valued float32 tensors
/// such as position ids pass through unchanged. To read a result on the host, <see cref="Cast"/> it to float32 and
/// copy it (<see cref="Tensor.To"/>).</para>
/// <para><b>Ordering.</b> Everything is enqueued on the device's one stream and returns at once; copying to the host
/// waits. Errors inside kernels surface at the next synchronisation (<see cref="Synchronize"/> or a copy).</para>
/// <para><b>Fused operations</b> beyond <see cref="IBackend"/>: <see cref="LayerNormModulate"/>,
/// <see cref="SplitQkvNormRope"/>, <see cref="GroupNormActivate"/>, <see cref="LinearScaled"/>.</para>
/// </remarks>
public sealed partial class CudaBackend : IBackend, IDeviceTransfer
{
    private const int BlockSize = 256;

    private readonly CudaDeviceRuntime _runtime;
    private readonly ConvertedParameterCache _parameters;

    private CudaBackend(CudaDeviceRuntime runtime, CudaBackendOptions options)
    {
        _runtime = runtime;
        Options = options;
        Device = new Device(DeviceKind.Cuda, runtime.Info.Ordinal);
        _parameters = new ConvertedParameterCache(this);
        if (options.PoisonAllocations)
        {
            runtime.PoisonAllocations = true;
        }
    }

    /// <summary>The options this backend was created with.</summary>
    public CudaBackendOptions Options { get; }

    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>The dtype of activations (see the class remarks).</summary>
    public DType ActivationDType => Options.ActivationDType;

    /// <summary>The device and libraries.</summary>
    public CudaDeviceInfo Info => _runtime.Info;

    /// <summary>The NVRTC target the kernels are compiled for (<c>sm_90</c>).</summary>
    public string KernelTarget => _runtime.Kernels.Target;

    /// <summary>Where compiled kernels are cached, or null.</summary>
    public string? KernelCacheDirectory => _runtime.Kernels.CacheDirectory;

    /// <summary>Bytes of device memory held by live tensors (and scratch) on this device, all backends together.</summary>
    public long LiveBytes => _runtime.LiveBytes;

    /// <summary>The most <see cref="LiveBytes"/> has been since <see cref="ResetPeakMemory"/>.</summary>
    public long PeakBytes => _runtime.PeakBytes;

    /// <summary>The pool's own high-water mark of memory in use (bytes), since <see cref="ResetPeakMemory"/>.</summary>
    public long PoolPeakBytes => _runtime.PoolAttribute(CudaDriver.MemPoolAttributeUsedMemHigh);

    /// <summary>Device allocations made so far.</summary>
    public long AllocationCount => _runtime.AllocationCount;

    /// <summary>cuBLASLt plans built so far (one per distinct product shape).</summary>
    public int GemmPlanCount => _runtime.Gemm.PlanCount;

    internal CudaDeviceRuntime Runtime => _runtime;

    /// <summary>A backend on the first GPU with the default options (bf16 activations).</summary>
    /// <param name="backend">The backend, when one could be created.</param>
    /// <param name="reason">Why not (no driver, no device, a missing library), or empty.</param>
    public static bool TryCreate([NotNullWhen(true)] out CudaBackend? backend, out string reason) =>
        TryCreate(new CudaBackendOptions(), out backend, out reason);

    /// <summary>
    /// A backend with <paramref name="options"/>, or false with a clear reason when there is no usable GPU, so that the
    /// caller can fall back to the CPU. Never throws for a missing driver, device or library.
    /// </summary>
    public static bool TryCreate(CudaBackendOptions options, [NotNullWhen(true)] out CudaBackend? backend, out string reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ActivationDType is not (DType.F32 or DType.BF16 or DType.F16))
        {
            throw new ArgumentException($"Activations must be F32, BF16 or F16, not {options.ActivationDType}.", nameof(options));
        }

        if (!CudaDeviceRuntime.TryGet(options.DeviceOrdinal, options.ArchitectureOverride, options.KernelCacheDirectory, out var runtime, out reason))
        {
            backend = null;
            return false;
        }

        backend = new CudaBackend(runtime!, options);
        return true;
    }

    /// <summary>Where the driver, NVRTC and cuBLASLt were looked for and found (also on a machine without a GPU).</summary>
    public static string DescribeLibraries()
    {
        if (!CudaLibraries.EnsureResolver(out string? problem))
        {
            return "resolver: " + problem + Environment.NewLine + CudaLibraries.Describe();
        }

        return CudaLibraries.Describe();
    }

    /// <summary>Registers this backend as the one for its device (<see cref="Backends.For"/>), so tensors on it dispatch here.</summary>
    public CudaBackend Register()
    {
        Backends.Register(this);
        return this;
    }

    /// <summary>Compiles (or loads from the cache) every embedded kernel module now, reporting each.</summary>
    public IReadOnlyList<CudaModuleReport> CompileKernels() => _runtime.Kernels.CompileAll();

    /// <summary>Waits for every enqueued operation and surfaces asynchronous errors.</summary>
    public void Synchronize() => _runtime.Synchronize();

    /// <summary>Restarts <see cref="PeakBytes"/> and <see cref="PoolPeakBytes"/>.</summary>
    public void ResetPeakMemory() => _runtime.ResetPeak();

    /// <summary>Free and total device memory as the driver sees it.</summary>
    public (long Free, long Total) DeviceMemory() => _runtime.MemoryInfo();

    /// <summary>Releases the converted copies of parameters this backend holds.</summary>
    public void ClearParameterCache() => _parameters.Clear();

    /// <inheritdoc />
    public Tensor Allocate(ReadOnlySpan<int> shape, DType dtype, bool zero)
    {
        var tensor = NewTensor(shape, dtype);
        if (zero && tensor.ByteLength > 0)
        {
            _runtime.MakeCurrent();
            CudaDriver.Check(CudaDriver.cuMemsetD8Async((ulong)tensor.Pointer, 0, (nuint)tensor.ByteLength, _runtime.Stream), "cuMemsetD8Async");
        }

        return tensor;
    }

    /// <summary>A new uninitialised tensor on this device.</summary>
    internal Tensor NewTensor(ReadOnlySpan<int> shape, DType dtype)
    {
        long bytes = Tensor.ComputeLength(shape) * dtype.SizeOf();
        return new Tensor(new CudaStorage(_runtime, bytes), 0, shape, dtype);
    }

    /// <summary>Launches <paramref name="kernel"/> of <paramref name="module"/> on the device's stream.</summary>
    internal unsafe void Launch(string module, string kernel, uint gridX, uint gridY, uint gridZ, uint block, uint sharedBytes, ref KernelArguments arguments)
    {
        nint function = _runtime.Kernels.Function(module, kernel);
        _runtime.MakeCurrent();
        int status = CudaDriver.cuLaunchKernel(function, gridX, gridY, gridZ, block, 1, 1, sharedBytes, _runtime.Stream, arguments.Pointers, null);
        if (status != CudaDriver.Success)
        {
            throw new CudaException($"cuLaunchKernel({module}.{kernel}, grid {gridX}x{gridY}x{gridZ}, block {block}, {sharedBytes} B shared)", status, CudaDriver.Describe(status));
        }
    }

    /// <summary>Launches a grid-stride element-wise kernel over <paramref name="n"/> items.</summary>
    internal void LaunchElementwise(string module, string kernel, long n, ref KernelArguments arguments)
    {
        if (n > 0)
        {
            Launch(module, kernel, GridFor(n), 1, 1, BlockSize, 0, ref arguments);
        }
    }

    /// <summary>Blocks of <see cref="BlockSize"/> threads for <paramref name="n"/> items, capped at 32 waves per multiprocessor.</summary>
    internal uint GridFor(long n, int itemsPerBlock = BlockSize)
    {
        long blocks = (n + itemsPerBlock - 1) / itemsPerBlock;
        long cap = (long)_runtime.Info.MultiprocessorCount * 32;
        return (uint)Math.Clamp(blocks, 1, Math.Max(cap, 1));
    }

    /// <summary>Throws unless <paramref name="tensor"/> lives on this device.</summary>
    internal void RequireOnDevice(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        ObjectDisposedException.ThrowIf(tensor.IsDisposed, tensor);
        if (tensor.Device != Device)
        {
            throw new ArgumentException($"{name} is on {tensor.Device}, not {Device}; copy it with To({Device}) first.", name);
        }
    }

    /// <summary>Throws unless <paramref name="tensor"/> is a float tensor on this device.</summary>
    internal void RequireFloat(Tensor tensor, string name)
    {
        RequireOnDevice(tensor, name);
        if (!tensor.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"{name} must be a float tensor, not {tensor.DType}.", name);
        }
    }

    /// <summary>
    /// <paramref name="tensor"/> in the activation dtype: itself when it already is, else a converted temporary
    /// added to <paramref name="temporaries"/>.
    /// </summary>
    internal Tensor AsActivation(Tensor tensor, TemporaryTensors temporaries) => As(tensor, ActivationDType, temporaries);

    /// <summary><paramref name="tensor"/> converted to <paramref name="dtype"/> (itself when it already is).</summary>
    internal Tensor As(Tensor tensor, DType dtype, TemporaryTensors temporaries)
    {
        if (tensor.DType == dtype)
        {
            return tensor;
        }

        var converted = NewTensor(tensor.Shape, dtype);
        CastInto(tensor.Pointer, tensor.DType, converted.Pointer, dtype, tensor.Length);
        return temporaries.Add(converted);
    }

    /// <summary>
    /// The device address of a parameter (bias, norm weight, conv weight) in <paramref name="dtype"/>: the tensor's
    /// own when it already is, else a converted copy (cached for small parameters, else a temporary).
    /// </summary>
    internal nint ParameterAs(Tensor? parameter, DType dtype, TemporaryTensors temporaries)
    {
        if (parameter is null)
        {
            return 0;
        }

        if (parameter.DType == dtype)
        {
            return parameter.Pointer;
        }

        if (Options.CacheConvertedParameters && parameter.Length <= ConvertedParameterCache.MaxElements)
        {
            return _parameters.Get(parameter, dtype);
        }

        return As(parameter, dtype, temporaries).Pointer;
    }

    /// <summary>Converts <paramref name="count"/> elements between float dtypes (a device-to-device copy when equal).</summary>
    internal void CastInto(nint source, DType sourceType, nint destination, DType destinationType, long count)
    {
        if (count == 0)
        {
            return;
        }

        if (sourceType == destinationType)
        {
            _runtime.MakeCurrent();
            CudaDriver.Check(
                CudaDriver.cuMemcpyDtoDAsync_v2((ulong)destination, (ulong)source, (nuint)(count * sourceType.SizeOf()), _runtime.Stream),
                "cuMemcpyDtoDAsync");
            return;
        }

        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[4]);
        args.Add(source);
        args.Add(destination);
        args.Add(count);
        LaunchElementwise(CudaKernels.Convert, CudaKernels.Cast(sourceType, destinationType), count, ref args);
    }
}
