using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// Times device work with a pair of CUDA events recorded on the device's stream (METHOD.md: device work is
/// asynchronous, host clocks lie). <see cref="Stop"/> waits for the work and returns the elapsed milliseconds.
/// </summary>
public sealed class CudaTimer : IDisposable
{
    private readonly CudaDeviceRuntime _runtime;
    private readonly CudaEventHandle _start;
    private readonly CudaEventHandle _end;

    internal CudaTimer(CudaDeviceRuntime runtime)
    {
        _runtime = runtime;
        runtime.MakeCurrent();
        CudaDriver.Check(CudaDriver.cuEventCreate(out nint start, CudaDriver.EventDefault), "cuEventCreate");
        _start = new CudaEventHandle(start, runtime.ContextPointer);
        CudaDriver.Check(CudaDriver.cuEventCreate(out nint end, CudaDriver.EventDefault), "cuEventCreate");
        _end = new CudaEventHandle(end, runtime.ContextPointer);
        CudaDriver.Check(CudaDriver.cuEventRecord(start, runtime.Stream), "cuEventRecord");
    }

    /// <summary>Records the end, waits for it, and returns the device time between start and end in milliseconds.</summary>
    public float Stop()
    {
        _runtime.MakeCurrent();
        nint end = _end.DangerousGetHandle();
        CudaDriver.Check(CudaDriver.cuEventRecord(end, _runtime.Stream), "cuEventRecord");
        CudaDriver.Check(CudaDriver.cuEventSynchronize(end), "cuEventSynchronize");
        CudaDriver.Check(CudaDriver.cuEventElapsedTime(out float milliseconds, _start.DangerousGetHandle(), end), "cuEventElapsedTime");
        return milliseconds;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _start.Dispose();
        _end.Dispose();
    }
}
