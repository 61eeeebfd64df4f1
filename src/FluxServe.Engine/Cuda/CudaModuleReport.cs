namespace FluxServe.Engine.Cuda;

/// <summary>The outcome of compiling (or loading from the cache) one embedded kernel module.</summary>
/// <param name="Module">The file name without <c>.cu</c>.</param>
/// <param name="Target">The NVRTC target (<c>sm_90</c>).</param>
/// <param name="Succeeded">False when NVRTC or the driver rejected it; <paramref name="Log"/> says why.</param>
/// <param name="FromCache">True when the compiled image came from the disk cache.</param>
/// <param name="ImageBytes">Size of the cubin or PTX.</param>
/// <param name="Elapsed">Time to compile or load.</param>
/// <param name="Log">NVRTC's log (warnings), or the error.</param>
public sealed record CudaModuleReport(
    string Module,
    string Target,
    bool Succeeded,
    bool FromCache,
    int ImageBytes,
    TimeSpan Elapsed,
    string Log);
