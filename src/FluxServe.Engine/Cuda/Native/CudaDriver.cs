using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>
/// The CUDA driver API (<c>libcuda.so.1</c>), the functions the backend uses. Names with a <c>_v2</c> suffix are the
/// symbols <c>cuda.h</c> maps the plain names to (64-bit sizes); everything returns a <c>CUresult</c>, checked by
/// <see cref="Check"/>. Device pointers are <c>CUdeviceptr</c> (64-bit), passed as <see cref="ulong"/>.
/// </summary>
internal static unsafe partial class CudaDriver
{
    public const int Success = 0;
    public const int ErrorNotReady = 600;

    // CUdevice_attribute (cuda.h).
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeL2CacheSize = 38;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int AttributeMaxSharedMemoryPerBlockOptin = 97;
    public const int AttributeMemoryPoolsSupported = 115;

    // CUfunction_attribute.
    public const int FunctionAttributeMaxDynamicSharedSizeBytes = 8;

    // CUmemPool_attribute.
    public const int MemPoolAttributeReleaseThreshold = 4;
    public const int MemPoolAttributeReservedMemCurrent = 5;
    public const int MemPoolAttributeReservedMemHigh = 6;
    public const int MemPoolAttributeUsedMemCurrent = 7;
    public const int MemPoolAttributeUsedMemHigh = 8;

    // CUstreamCaptureMode, CUstream_flags, CUevent_flags, CUgraphInstantiate_flags.
    public const int StreamCaptureModeThreadLocal = 1;
    public const uint StreamNonBlocking = 1;
    public const uint EventDefault = 0;
    public const ulong GraphInstantiateAutoFreeOnLaunch = 1;

    static CudaDriver() => CudaLibraries.EnsureResolver(out _);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuInit(uint flags);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDriverGetVersion(out int version);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDeviceGetCount(out int count);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuCtxSetCurrent(nint context);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuCtxGetCurrent(out nint context);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuCtxSynchronize();

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuStreamCreate(out nint stream, uint flags);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuStreamDestroy_v2(nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemGetInfo_v2(out nuint free, out nuint total);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemPoolCreate(out nint pool, in CuMemPoolProps properties);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemPoolDestroy(nint pool);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemPoolSetAttribute(nint pool, int attribute, void* value);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemPoolGetAttribute(nint pool, int attribute, void* value);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemPoolTrimTo(nint pool, nuint minBytesToKeep);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemAllocFromPoolAsync(out ulong pointer, nuint bytes, nint pool, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemFreeAsync(ulong pointer, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuModuleLoadData(out nint module, void* image);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuModuleUnload(nint module);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuModuleGetFunction(out nint function, nint module, byte* name);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuFuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuLaunchKernel(
        nint function,
        uint gridX,
        uint gridY,
        uint gridZ,
        uint blockX,
        uint blockY,
        uint blockZ,
        uint sharedBytes,
        nint stream,
        void** parameters,
        void** extra);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuStreamBeginCapture_v2(nint stream, int mode);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuStreamEndCapture(nint stream, out nint graph);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGraphLaunch(nint graphExec, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGraphExecDestroy(nint graphExec);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGraphDestroy(nint graph);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuEventCreate(out nint cuEvent, uint flags);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuEventRecord(nint cuEvent, nint stream);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuEventSynchronize(nint cuEvent);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuEventElapsedTime(out float milliseconds, nint start, nint end);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuEventDestroy_v2(nint cuEvent);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGetErrorName(int error, out byte* name);

    [LibraryImport(CudaLibraries.DriverName)]
    public static partial int cuGetErrorString(int error, out byte* description);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is success.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success)
        {
            Throw(result, call);
        }
    }

    /// <summary>The driver's name and description of a <c>CUresult</c>.</summary>
    public static string Describe(int result)
    {
        string name = cuGetErrorName(result, out byte* n) == Success && n is not null ? Marshal.PtrToStringUTF8((nint)n) ?? "?" : "unknown CUresult";
        string text = cuGetErrorString(result, out byte* s) == Success && s is not null ? Marshal.PtrToStringUTF8((nint)s) ?? string.Empty : string.Empty;
        return text.Length == 0 ? name : $"{name}: {text}";
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(int result, string call) => throw new CudaException(call, result, Describe(result));
}

/// <summary><c>CUmemPoolProps</c> (88 bytes): a pinned device-memory pool on one device, no export handles.</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal struct CuMemPoolProps
{
    /// <summary><c>CUmemAllocationType</c>: 1 = pinned.</summary>
    [FieldOffset(0)]
    public int AllocationType;

    /// <summary><c>CUmemAllocationHandleType</c>: 0 = none.</summary>
    [FieldOffset(4)]
    public int HandleTypes;

    /// <summary><c>CUmemLocation.type</c>: 1 = device.</summary>
    [FieldOffset(8)]
    public int LocationType;

    /// <summary><c>CUmemLocation.id</c>: the device ordinal.</summary>
    [FieldOffset(12)]
    public int LocationId;

    /// <summary><c>maxSize</c>: 0 = system default.</summary>
    [FieldOffset(24)]
    public nuint MaxSize;
}
