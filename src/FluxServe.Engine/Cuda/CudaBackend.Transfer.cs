using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Copies <paramref name="source"/> between the host and this device (or within this device). Host to device
    /// returns once the host memory may be reused (the driver stages pageable memory); device to host waits for the
    /// stream, so the result is ready to read.
    /// </summary>
    /// <exception cref="ArgumentException">Neither side is this device, or the other side is another GPU.</exception>
    public unsafe Tensor Copy(Tensor source, Device device)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(source.IsDisposed, source);
        _runtime.MakeCurrent();
        nuint bytes = (nuint)source.ByteLength;
        if (source.Device.Kind == DeviceKind.Cpu && device == Device)
        {
            var target = NewTensor(source.Shape, source.DType);
            if (bytes > 0)
            {
                CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2((ulong)target.Pointer, (void*)source.Pointer, bytes, _runtime.Stream), "cuMemcpyHtoDAsync");
            }

            return target;
        }

        if (source.Device == Device && device.Kind == DeviceKind.Cpu)
        {
            var target = Tensor.Empty(source.Shape, source.DType);
            if (bytes > 0)
            {
                CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2((void*)target.Pointer, (ulong)source.Pointer, bytes, _runtime.Stream), "cuMemcpyDtoHAsync");
            }

            _runtime.Synchronize();
            return target;
        }

        if (source.Device == Device && device == Device)
        {
            var target = NewTensor(source.Shape, source.DType);
            if (bytes > 0)
            {
                CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2((ulong)target.Pointer, (ulong)source.Pointer, bytes, _runtime.Stream), "cuMemcpyDtoDAsync");
            }

            return target;
        }

        throw new ArgumentException($"The backend for {Device} cannot copy from {source.Device} to {device}.", nameof(device));
    }

    /// <summary>Copies a host tensor into an existing device tensor of the same size (no allocation; capturable when the host memory is pinned).</summary>
    public unsafe void CopyInto(Tensor hostSource, Tensor deviceTarget)
    {
        ArgumentNullException.ThrowIfNull(hostSource);
        RequireOnDevice(deviceTarget, nameof(deviceTarget));
        if (hostSource.Device.Kind != DeviceKind.Cpu || hostSource.ByteLength != deviceTarget.ByteLength)
        {
            throw new ArgumentException($"Expected a host tensor of {deviceTarget.ByteLength} bytes, got {hostSource}.", nameof(hostSource));
        }

        _runtime.MakeCurrent();
        CudaDriver.Check(
            CudaDriver.cuMemcpyHtoDAsync_v2((ulong)deviceTarget.Pointer, (void*)hostSource.Pointer, (nuint)hostSource.ByteLength, _runtime.Stream),
            "cuMemcpyHtoDAsync");
    }
}
