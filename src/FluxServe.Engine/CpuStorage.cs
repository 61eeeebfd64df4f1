using System.Runtime.InteropServices;

namespace FluxServe.Engine;

/// <summary>Host memory, 64-byte aligned, either owned (allocated here) or borrowed from an owner such as a memory map.</summary>
public sealed unsafe class CpuStorage : TensorStorage
{
    private static long s_liveBytes;
    private readonly nint _pointer;
    private readonly SafeHandle? _owner;
    private readonly bool _owned;

    private CpuStorage(nint pointer, long byteLength, bool owned, SafeHandle? owner)
        : base(byteLength)
    {
        _pointer = pointer;
        _owned = owned;
        _owner = owner;
    }

    /// <summary>Bytes currently held by owned CPU storages in this process (for leak tests and metrics).</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    /// <inheritdoc />
    public override Device Device => Device.Cpu;

    /// <inheritdoc />
    public override nint Pointer => _pointer;

    /// <summary>Allocates uninitialised, 64-byte-aligned host memory (large blocks are reused, see <see cref="CpuMemoryPool"/>).</summary>
    public static CpuStorage Allocate(long byteLength, bool zero = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        void* p = CpuMemoryPool.Rent(byteLength);
        if (zero)
        {
            NativeMemory.Clear(p, (nuint)Math.Max(byteLength, 1));
        }

        Interlocked.Add(ref s_liveBytes, byteLength);
        return new CpuStorage((nint)p, byteLength, owned: true, owner: null);
    }

    /// <summary>
    /// Wraps memory owned by <paramref name="owner"/> (e.g. a memory-mapped file). The owner is kept alive through
    /// <see cref="SafeHandle.DangerousAddRef"/> until this storage is released.
    /// </summary>
    public static CpuStorage Borrow(nint pointer, long byteLength, SafeHandle owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        bool added = false;
        owner.DangerousAddRef(ref added);
        return new CpuStorage(pointer, byteLength, owned: false, owner);
    }

    /// <inheritdoc />
    protected override void Free()
    {
        if (_owned)
        {
            CpuMemoryPool.Return((void*)_pointer, ByteLength);
            Interlocked.Add(ref s_liveBytes, -ByteLength);
        }
        else
        {
            _owner?.DangerousRelease();
        }
    }
}
