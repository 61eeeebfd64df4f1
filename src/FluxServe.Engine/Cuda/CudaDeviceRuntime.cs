using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// Everything one GPU needs, shared by every <see cref="CudaBackend"/> on it for the life of the process: the primary
/// context, one non-blocking stream (all work is ordered on it), a stream-ordered memory pool, the cuBLASLt handle
/// and workspace, and the compiled kernels.
/// </summary>
/// <remarks>
/// One stream per device keeps the ordering simple: every operation, copy, allocation and free is enqueued in program
/// order, so a buffer freed by one operation can be reused by the next without any synchronisation, and backends with
/// different activation dtypes can share tensors. Copies to the host synchronise the stream.
/// </remarks>
internal sealed unsafe class CudaDeviceRuntime
{
    /// <summary>cuBLASLt's recommended workspace for Hopper.</summary>
    public const int GemmWorkspaceBytes = 32 << 20;

    private const int CudaErrorOutOfMemory = 2;

    private static readonly Lock s_gate = new();
    private static readonly Dictionary<int, (CudaDeviceRuntime? Runtime, string Reason)> s_devices = [];

    [ThreadStatic]
    private static nint t_currentContext;

    private readonly CudaPrimaryContext _context;
    private readonly CudaStreamHandle _stream;
    private readonly CudaMemPoolHandle _pool;
    private readonly CublasLtHandle _cublasLt;
    private long _liveBytes;
    private long _peakBytes;
    private long _allocations;

    private CudaDeviceRuntime(CudaDeviceInfo info, CudaPrimaryContext context, CudaStreamHandle stream, CudaMemPoolHandle pool, CublasLtHandle cublasLt)
    {
        Info = info;
        _context = context;
        _stream = stream;
        _pool = pool;
        _cublasLt = cublasLt;
        ContextPointer = context.DangerousGetHandle();
        Stream = stream.DangerousGetHandle();
        PoolPointer = pool.DangerousGetHandle();
        CublasLtPointer = cublasLt.DangerousGetHandle();
    }

    /// <summary>The device.</summary>
    public CudaDeviceInfo Info { get; }

    /// <summary>The primary context (<c>CUcontext</c>).</summary>
    public nint ContextPointer { get; }

    /// <summary>The one stream (<c>CUstream</c>).</summary>
    public nint Stream { get; }

    /// <summary>The memory pool (<c>CUmemoryPool</c>).</summary>
    public nint PoolPointer { get; }

    /// <summary>The cuBLASLt handle.</summary>
    public nint CublasLtPointer { get; }

    /// <summary>The cuBLASLt workspace (device pointer, <see cref="GemmWorkspaceBytes"/> bytes).</summary>
    public ulong GemmWorkspace { get; private set; }

    /// <summary>The compiled kernels (set once, right after creation).</summary>
    public CudaKernelLibrary Kernels { get; private set; } = null!;

    /// <summary>The matrix products (set once, right after creation).</summary>
    public CudaGemm Gemm { get; private set; } = null!;

    /// <summary>Fill new allocations with 0xFF (see <see cref="CudaBackendOptions.PoisonAllocations"/>).</summary>
    public bool PoisonAllocations { get; set; }

    /// <summary>Bytes held by live allocations made through <see cref="Allocate"/>.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>The most <see cref="LiveBytes"/> has been since the last <see cref="ResetPeak"/>.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Allocations made so far.</summary>
    public long AllocationCount => Interlocked.Read(ref _allocations);

    /// <summary>The shared runtime of device <paramref name="ordinal"/>, created on first use; false with a reason when there is none.</summary>
    public static bool TryGet(int ordinal, string? architectureOverride, string? cacheDirectory, out CudaDeviceRuntime? runtime, out string reason)
    {
        lock (s_gate)
        {
            if (!s_devices.TryGetValue(ordinal, out var entry))
            {
                entry = Open(ordinal, architectureOverride, cacheDirectory);
                s_devices[ordinal] = entry;
            }

            runtime = entry.Runtime;
            reason = entry.Reason;
            return runtime is not null;
        }
    }

    /// <summary>Makes the context current on this thread (cheap when it already is).</summary>
    public void MakeCurrent()
    {
        if (t_currentContext != ContextPointer)
        {
            CudaDriver.Check(CudaDriver.cuCtxSetCurrent(ContextPointer), "cuCtxSetCurrent");
            t_currentContext = ContextPointer;
        }
    }

    /// <summary>Allocates <paramref name="bytes"/> (at least one) from the pool, ordered on the stream.</summary>
    public ulong Allocate(long bytes)
    {
        MakeCurrent();
        nuint size = (nuint)Math.Max(bytes, 1);
        int status = CudaDriver.cuMemAllocFromPoolAsync(out ulong pointer, size, PoolPointer, Stream);
        if (status == CudaErrorOutOfMemory)
        {
            // Memory freed on the stream may still be pending: wait for it and give the pool's cache back, then retry.
            Synchronize();
            _ = CudaDriver.cuMemPoolTrimTo(PoolPointer, 0);
            status = CudaDriver.cuMemAllocFromPoolAsync(out pointer, size, PoolPointer, Stream);
        }

        if (status != CudaDriver.Success)
        {
            _ = CudaDriver.cuMemGetInfo_v2(out nuint free, out nuint total);
            throw new CudaException(
                $"cuMemAllocFromPoolAsync({bytes} bytes; {LiveBytes >> 20} MiB live in FluxServe tensors, {free >> 20} of {total >> 20} MiB free on {Info.Name})",
                status,
                CudaDriver.Describe(status));
        }

        if (PoisonAllocations)
        {
            CudaDriver.Check(CudaDriver.cuMemsetD8Async(pointer, 0xFF, size, Stream), "cuMemsetD8Async(poison)");
        }

        long live = Interlocked.Add(ref _liveBytes, bytes);
        Interlocked.Increment(ref _allocations);
        long peak;
        while (live > (peak = Interlocked.Read(ref _peakBytes)) && Interlocked.CompareExchange(ref _peakBytes, live, peak) != peak)
        {
        }

        return pointer;
    }

    /// <summary>Returns an allocation to the pool, ordered on the stream after all work already enqueued.</summary>
    public void Free(ulong pointer, long bytes)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.cuMemFreeAsync(pointer, Stream), "cuMemFreeAsync");
        Interlocked.Add(ref _liveBytes, -bytes);
    }

    /// <summary>Waits for all enqueued work; surfaces asynchronous kernel errors.</summary>
    public void Synchronize()
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.cuStreamSynchronize(Stream), "cuStreamSynchronize");
    }

    /// <summary>Restarts the peak counters (ours and the pool's).</summary>
    public void ResetPeak()
    {
        Interlocked.Exchange(ref _peakBytes, LiveBytes);
        MakeCurrent();
        ulong zero = 0;
        _ = CudaDriver.cuMemPoolSetAttribute(PoolPointer, CudaDriver.MemPoolAttributeUsedMemHigh, &zero);
        _ = CudaDriver.cuMemPoolSetAttribute(PoolPointer, CudaDriver.MemPoolAttributeReservedMemHigh, &zero);
    }

    /// <summary>A pool statistic (<c>CU_MEMPOOL_ATTR_*</c> byte counts).</summary>
    public long PoolAttribute(int attribute)
    {
        MakeCurrent();
        ulong value = 0;
        CudaDriver.Check(CudaDriver.cuMemPoolGetAttribute(PoolPointer, attribute, &value), "cuMemPoolGetAttribute");
        return (long)value;
    }

    /// <summary>Free and total device memory as the driver sees it.</summary>
    public (long Free, long Total) MemoryInfo()
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.cuMemGetInfo_v2(out nuint free, out nuint total), "cuMemGetInfo");
        return ((long)free, (long)total);
    }

    private static (CudaDeviceRuntime? Runtime, string Reason) Open(int ordinal, string? architectureOverride, string? cacheDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, "the CUDA backend is built for Linux only");
        }

        if (!CudaLibraries.EnsureResolver(out string? problem))
        {
            return (null, problem ?? "the native library resolver could not be installed");
        }

        var driver = CudaLibraries.Load(CudaLibraries.DriverName);
        if (driver.Handle == 0)
        {
            return (null, "no CUDA driver: libcuda.so.1 was not found (" + string.Join("; ", driver.Log) + ")");
        }

        CudaPrimaryContext? context = null;
        try
        {
            int status = CudaDriver.cuInit(0);
            if (status != CudaDriver.Success)
            {
                return (null, $"no CUDA device: cuInit failed ({CudaDriver.Describe(status)})");
            }

            CudaDriver.Check(CudaDriver.cuDriverGetVersion(out int driverVersion), "cuDriverGetVersion");
            CudaLibraries.SetDriverVersion(driverVersion);
            CudaDriver.Check(CudaDriver.cuDeviceGetCount(out int count), "cuDeviceGetCount");
            if (ordinal < 0 || ordinal >= count)
            {
                return (null, $"no CUDA device {ordinal}: the driver sees {count}");
            }

            CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, ordinal), "cuDeviceGet");
            var nvrtc = CudaLibraries.Load(CudaLibraries.NvrtcName);
            var cublasLt = CudaLibraries.Load(CudaLibraries.CublasLtName);
            if (nvrtc.Handle == 0 || cublasLt.Handle == 0)
            {
                string missing = nvrtc.Handle == 0 ? "NVRTC (libnvrtc.so.13/.12)" : "cuBLASLt (libcublasLt.so.13/.12)";
                var log = nvrtc.Handle == 0 ? nvrtc.Log : cublasLt.Log;
                return (null, $"{missing} was not found; set FLUXSERVE_CUDA_LIB_DIRS to its folder ({string.Join("; ", log)})");
            }

            if (Attribute(CudaDriver.AttributeMemoryPoolsSupported, device) == 0)
            {
                return (null, "the device or driver does not support stream-ordered memory pools (cuMemAllocAsync)");
            }

            Nvrtc.Check(Nvrtc.nvrtcVersion(out int nvrtcMajor, out int nvrtcMinor), "nvrtcVersion");
            var info = new CudaDeviceInfo(
                ordinal,
                DeviceName(device),
                Attribute(CudaDriver.AttributeComputeCapabilityMajor, device),
                Attribute(CudaDriver.AttributeComputeCapabilityMinor, device),
                Attribute(CudaDriver.AttributeMultiprocessorCount, device),
                Attribute(CudaDriver.AttributeL2CacheSize, device),
                TotalMemory(device),
                Attribute(CudaDriver.AttributeMaxSharedMemoryPerBlockOptin, device),
                driverVersion,
                string.Create(CultureInfo.InvariantCulture, $"{nvrtcMajor}.{nvrtcMinor}"),
                (long)CublasLt.cublasLtGetVersion(),
                $"driver {driver.Path}, nvrtc {nvrtc.Path}, cublasLt {cublasLt.Path}");

            CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out nint contextPointer, device), "cuDevicePrimaryCtxRetain");
            context = new CudaPrimaryContext(contextPointer, device);
            CudaDriver.Check(CudaDriver.cuCtxSetCurrent(contextPointer), "cuCtxSetCurrent");
            t_currentContext = contextPointer;

            CudaDriver.Check(CudaDriver.cuStreamCreate(out nint streamPointer, CudaDriver.StreamNonBlocking), "cuStreamCreate");
            var stream = new CudaStreamHandle(streamPointer, contextPointer);

            var properties = new CuMemPoolProps { AllocationType = 1, HandleTypes = 0, LocationType = 1, LocationId = device };
            CudaDriver.Check(CudaDriver.cuMemPoolCreate(out nint poolPointer, in properties), "cuMemPoolCreate");
            var pool = new CudaMemPoolHandle(poolPointer, contextPointer);
            ulong keepEverything = ulong.MaxValue; // never give freed memory back to the driver on synchronisation
            CudaDriver.Check(CudaDriver.cuMemPoolSetAttribute(poolPointer, CudaDriver.MemPoolAttributeReleaseThreshold, &keepEverything), "cuMemPoolSetAttribute(release threshold)");

            CublasLt.Check(CublasLt.cublasLtCreate(out nint cublasLtPointer), "cublasLtCreate");
            var runtime = new CudaDeviceRuntime(info, context, stream, pool, new CublasLtHandle(cublasLtPointer, contextPointer));
            runtime.GemmWorkspace = runtime.Allocate(GemmWorkspaceBytes);
            runtime.Kernels = new CudaKernelLibrary(runtime, architectureOverride, ResolveCacheDirectory(cacheDirectory));
            runtime.Gemm = new CudaGemm(runtime);
            return (runtime, string.Empty);
        }
        catch (Exception ex) when (ex is CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            context?.Dispose();
            return (null, "the CUDA backend could not start: " + ex.Message);
        }
    }

    private static int Attribute(int attribute, int device)
    {
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int value, attribute, device), $"cuDeviceGetAttribute({attribute})");
        return value;
    }

    private static long TotalMemory(int device)
    {
        CudaDriver.Check(CudaDriver.cuDeviceTotalMem_v2(out nuint bytes, device), "cuDeviceTotalMem");
        return (long)bytes;
    }

    private static string DeviceName(int device)
    {
        byte* name = stackalloc byte[256];
        CudaDriver.Check(CudaDriver.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((nint)name) ?? "?";
    }

    private static string? ResolveCacheDirectory(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable("FLUXSERVE_CUDA_CACHE");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string? root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cache") : null;
        return root is null ? null : Path.Combine(root, "fluxserve", "cuda");
    }

    /// <summary>A one-line description for logs.</summary>
    public override string ToString() => new StringBuilder().Append(Info).Append(", kernels ").Append(Kernels?.Target).ToString();
}
