namespace FluxServe.Engine;

/// <summary>
/// A block of memory on a device that one or more <see cref="Tensor"/>s read. Reference-counted: each tensor over it
/// holds one reference, and the memory is released when the last one is disposed.
/// </summary>
/// <remarks>
/// Device memory is invisible to the garbage collector, so release is explicit (STYLE.md "Native code"); there is no
/// finalizer to hide a leak, and leak tests count <see cref="CpuStorage.LiveBytes"/>.
/// </remarks>
public abstract class TensorStorage
{
    private int _references = 1;

    /// <summary>Creates storage of the given size with one reference held by the creator.</summary>
    protected TensorStorage(long byteLength) => ByteLength = byteLength;

    /// <summary>The device the memory lives on.</summary>
    public abstract Device Device { get; }

    /// <summary>Size in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>Address of the first byte (a host pointer for CPU storage, a device pointer for CUDA).</summary>
    public abstract nint Pointer { get; }

    /// <summary>True once every reference has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    /// <summary>Takes one more reference (for a view that shares this memory).</summary>
    public void AddReference()
    {
        int current;
        do
        {
            current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current <= 0, this);
        }
        while (Interlocked.CompareExchange(ref _references, current + 1, current) != current);
    }

    /// <summary>Drops one reference; the memory is freed when none remain.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Free();
        }
    }

    /// <summary>Frees the memory. Called once.</summary>
    protected abstract void Free();
}
