using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>
/// cuBLASLt (<c>libcublasLt.so.13</c>/<c>.12</c>): matrix products with fused epilogues (bias, GELU, ReLU) and fp8
/// scale pointers. Enumeration values are those of <c>cublasLt.h</c>, <c>cublas_api.h</c> and
/// <c>library_types.h</c>.
/// </summary>
internal static unsafe partial class CublasLt
{
    public const int StatusSuccess = 0;

    // cudaDataType_t.
    public const int DataF32 = 0;
    public const int DataF16 = 2;
    public const int DataBF16 = 14;
    public const int DataF8E4M3 = 28;
    public const int DataF8E5M2 = 29;

    // cublasComputeType_t.
    public const int Compute32F = 68;
    public const int Compute32FFastTf32 = 77;

    // cublasOperation_t.
    public const int OpN = 0;
    public const int OpT = 1;

    // cublasLtMatmulDescAttributes_t.
    public const int DescTransA = 3;
    public const int DescTransB = 4;
    public const int DescEpilogue = 7;
    public const int DescBiasPointer = 8;
    public const int DescAScalePointer = 17;
    public const int DescBScalePointer = 18;
    public const int DescFastAccum = 25;
    public const int DescBiasDataType = 26;

    // cublasLtMatrixLayoutAttribute_t.
    public const int LayoutBatchCount = 5;
    public const int LayoutStridedBatchOffset = 6;

    // cublasLtMatmulPreferenceAttributes_t.
    public const int PreferenceMaxWorkspaceBytes = 1;
    public const int PreferenceMinAlignmentA = 5;
    public const int PreferenceMinAlignmentB = 6;
    public const int PreferenceMinAlignmentC = 7;
    public const int PreferenceMinAlignmentD = 8;

    // cublasLtEpilogue_t.
    public const uint EpilogueDefault = 1;
    public const uint EpilogueRelu = 2;
    public const uint EpilogueBias = 4;
    public const uint EpilogueReluBias = 6;
    public const uint EpilogueGelu = 32;
    public const uint EpilogueGeluBias = 36;

    static CublasLt() => CudaLibraries.EnsureResolver(out _);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtCreate(out nint handle);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtDestroy(nint handle);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial nuint cublasLtGetVersion();

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial byte* cublasLtGetStatusString(int status);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial byte* cublasLtGetStatusName(int status);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulDescCreate(out nint description, int computeType, int scaleType);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulDescDestroy(nint description);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulDescSetAttribute(nint description, int attribute, void* value, nuint size);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatrixLayoutCreate(out nint layout, int type, ulong rows, ulong cols, long leadingDimension);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatrixLayoutDestroy(nint layout);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatrixLayoutSetAttribute(nint layout, int attribute, void* value, nuint size);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulPreferenceCreate(out nint preference);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulPreferenceDestroy(nint preference);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulPreferenceSetAttribute(nint preference, int attribute, void* value, nuint size);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmulAlgoGetHeuristic(
        nint handle,
        nint operation,
        nint layoutA,
        nint layoutB,
        nint layoutC,
        nint layoutD,
        nint preference,
        int requestedCount,
        CublasLtHeuristicResult* results,
        out int returnedCount);

    [LibraryImport(CudaLibraries.CublasLtName)]
    public static partial int cublasLtMatmul(
        nint handle,
        nint operation,
        void* alpha,
        nint a,
        nint layoutA,
        nint b,
        nint layoutB,
        void* beta,
        nint c,
        nint layoutC,
        nint d,
        nint layoutD,
        CublasLtMatmulAlgo* algorithm,
        nint workspace,
        nuint workspaceBytes,
        nint stream);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="status"/> is success.</summary>
    public static void Check(int status, string call)
    {
        if (status != StatusSuccess)
        {
            throw new CudaException(call, status, Describe(status));
        }
    }

    /// <summary>cuBLASLt's name and description of a <c>cublasStatus_t</c>.</summary>
    public static string Describe(int status)
    {
        byte* name = cublasLtGetStatusName(status);
        byte* text = cublasLtGetStatusString(status);
        return $"{(name is null ? "?" : Marshal.PtrToStringUTF8((nint)name))}: {(text is null ? string.Empty : Marshal.PtrToStringUTF8((nint)text))}";
    }

    /// <summary>The cudaDataType_t of an engine dtype.</summary>
    public static int DataType(DType dtype) => dtype switch
    {
        DType.F32 => DataF32,
        DType.F16 => DataF16,
        DType.BF16 => DataBF16,
        DType.F8E4M3FN => DataF8E4M3,
        DType.F8E5M2 => DataF8E5M2,
        _ => throw new NotSupportedException($"cuBLASLt has no matrix type for {dtype}."),
    };
}

/// <summary><c>cublasLtMatmulAlgo_t</c>: 64 opaque bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct CublasLtMatmulAlgo
{
    private long _first;
}

/// <summary><c>cublasLtMatmulHeuristicResult_t</c> (96 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CublasLtHeuristicResult
{
    public CublasLtMatmulAlgo Algorithm;
    public nuint WorkspaceSize;
    public int State;
    public float WavesCount;
    private long _reserved0;
    private long _reserved1;
}
