using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// A captured sequence of operations (<see cref="CudaBackend.Capture"/>), replayed with one launch. Allocations made
/// inside the capture become graph memory with fixed addresses: a tensor created during capture and kept afterwards
/// holds the result of every replay (instantiated with auto-free-on-launch, so each replay reuses that memory).
/// </summary>
/// <remarks>
/// Only device work can be captured: no copy to the host, no <see cref="CudaBackend.Synchronize"/>, and host-to-device
/// copies only from pinned memory. The denoising loop is the intended use: every step has the same shapes.
/// </remarks>
public sealed class CudaGraph : IDisposable
{
    private readonly CudaDeviceRuntime _runtime;
    private readonly CudaGraphHandle _graph;
    private readonly CudaGraphExecHandle _executable;

    internal CudaGraph(CudaDeviceRuntime runtime, CudaGraphHandle graph, CudaGraphExecHandle executable)
    {
        _runtime = runtime;
        _graph = graph;
        _executable = executable;
    }

    /// <summary>Enqueues one replay on the device's stream.</summary>
    public void Launch()
    {
        ObjectDisposedException.ThrowIf(_executable.IsClosed, this);
        _runtime.MakeCurrent();
        CudaDriver.Check(CudaDriver.cuGraphLaunch(_executable.DangerousGetHandle(), _runtime.Stream), "cuGraphLaunch");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _executable.Dispose();
        _graph.Dispose();
    }
}
