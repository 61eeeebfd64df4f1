using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>NVRTC, the CUDA run-time compiler (<c>libnvrtc.so.13</c>/<c>.12</c>): CUDA C source to a cubin or PTX.</summary>
internal static unsafe partial class Nvrtc
{
    public const int Success = 0;
    public const int ErrorInvalidOption = 5;
    public const int ErrorCompilation = 6;

    static Nvrtc() => CudaLibraries.EnsureResolver(out _);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcVersion(out int major, out int minor);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial byte* nvrtcGetErrorString(int result);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetNumSupportedArchs(out int count);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetSupportedArchs(int* architectures);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcDestroyProgram(ref nint program);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcCompileProgram(nint program, int optionCount, byte** options);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetProgramLogSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetProgramLog(nint program, byte* log);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetCUBINSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetCUBIN(nint program, byte* cubin);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetPTXSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetPTX(nint program, byte* ptx);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is success.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success)
        {
            throw new CudaException(call, result, Describe(result));
        }
    }

    /// <summary>NVRTC's name for a result code.</summary>
    public static string Describe(int result)
    {
        byte* text = nvrtcGetErrorString(result);
        return text is null ? "unknown nvrtcResult" : Marshal.PtrToStringUTF8((nint)text) ?? "?";
    }
}
