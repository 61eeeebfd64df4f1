using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxServe.Engine;

/// <summary>
/// A dense, contiguous, row-major n-dimensional array on a device. Disposing a tensor releases its reference to the
/// underlying <see cref="TensorStorage"/>; views made by <see cref="Reshape"/> share the storage.
/// </summary>
/// <remarks>
/// Tensors are always contiguous: operations that change the element order (<c>Permute</c>, <c>Slice</c> on an
/// inner dimension) produce new tensors. That keeps every backend kernel simple and lets weights be used straight
/// from a memory map. Tensors created inside a <see cref="TensorScope"/> are disposed with it unless detached.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;
    private int _disposed;

    /// <summary>Wraps existing storage (taking over one reference to it) as a tensor of the given shape and dtype.</summary>
    /// <exception cref="ArgumentException">The shape does not fit in the storage from <paramref name="byteOffset"/>.</exception>
    public Tensor(TensorStorage storage, long byteOffset, ReadOnlySpan<int> shape, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _shape = shape.ToArray();
        Storage = storage;
        ByteOffset = byteOffset;
        DType = dtype;
        Length = ComputeLength(_shape);
        if (byteOffset < 0 || byteOffset + ByteLength > storage.ByteLength)
        {
            throw new ArgumentException(
                $"A {dtype} tensor of shape {FormatShape(shape)} ({ByteLength} bytes at offset {byteOffset}) does not fit in storage of {storage.ByteLength} bytes.",
                nameof(shape));
        }

        TensorScope.Register(this);
    }

    /// <summary>The memory this tensor reads.</summary>
    public TensorStorage Storage { get; }

    /// <summary>Offset of the first element within <see cref="Storage"/>, in bytes.</summary>
    public long ByteOffset { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public long Length { get; }

    /// <summary>The size in bytes.</summary>
    public long ByteLength => Length * DType.SizeOf();

    /// <summary>The device the data lives on.</summary>
    public Device Device => Storage.Device;

    /// <summary>Address of the first element (host or device pointer).</summary>
    public nint Pointer => Storage.Pointer + (nint)ByteOffset;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The backend that runs operations on this tensor's device.</summary>
    public IBackend Backend => Backends.For(Device);

    /// <summary>Size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int Dim(int dim) => _shape[NormalizeDim(dim, Rank)];

    /// <summary>Allocates an uninitialised tensor.</summary>
    public static Tensor Empty(ReadOnlySpan<int> shape, DType dtype = DType.F32, Device? device = null) =>
        Backends.For(device ?? Device.Cpu).Allocate(shape, dtype, zero: false);

    /// <summary>Allocates a tensor filled with zeros.</summary>
    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype = DType.F32, Device? device = null) =>
        Backends.For(device ?? Device.Cpu).Allocate(shape, dtype, zero: true);

    /// <summary>Copies <paramref name="data"/> into a new CPU tensor of the given shape and dtype.</summary>
    /// <exception cref="ArgumentException">The element count or element size does not match.</exception>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, DType dtype)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != dtype.SizeOf())
        {
            throw new ArgumentException($"{typeof(T).Name} elements cannot hold {dtype}.", nameof(dtype));
        }

        if (ComputeLength(shape) != data.Length)
        {
            throw new ArgumentException($"{data.Length} elements do not fill shape {FormatShape(shape)}.", nameof(data));
        }

        var tensor = Empty(shape, dtype);
        data.CopyTo(tensor.AsSpan<T>());
        return tensor;
    }

    /// <summary>Copies float32 data into a new CPU tensor.</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => FromSpan<float>(data, shape, DType.F32);

    /// <summary>The elements of a CPU tensor as a span (no copy).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not on the CPU, or <typeparamref name="T"/> has the wrong size.</exception>
    public unsafe Span<T> AsSpan<T>()
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Device.Kind != DeviceKind.Cpu)
        {
            throw new InvalidOperationException($"A tensor on {Device} cannot be read as a host span; copy it to the CPU first.");
        }

        if (Unsafe.SizeOf<T>() != DType.SizeOf())
        {
            throw new InvalidOperationException($"A {DType} tensor cannot be viewed as {typeof(T).Name}.");
        }

        return new Span<T>((void*)Pointer, checked((int)Length));
    }

    /// <summary>The raw bytes of a CPU tensor (no copy).</summary>
    public unsafe Span<byte> AsBytes()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Device.Kind != DeviceKind.Cpu)
        {
            throw new InvalidOperationException($"A tensor on {Device} cannot be read as a host span; copy it to the CPU first.");
        }

        return new Span<byte>((void*)Pointer, checked((int)ByteLength));
    }

    /// <summary>Copies the elements of a CPU tensor into a new array.</summary>
    public T[] ToArray<T>()
        where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>
    /// A view with another shape over the same elements (no copy). One dimension may be -1 and is then inferred.
    /// </summary>
    public Tensor Reshape(params ReadOnlySpan<int> shape)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        int[] resolved = shape.ToArray();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0)
                {
                    throw new ArgumentException("Only one dimension may be -1.", nameof(shape));
                }

                infer = i;
            }
            else
            {
                ArgumentOutOfRangeException.ThrowIfNegative(resolved[i], nameof(shape));
                known *= resolved[i];
            }
        }

        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0)
            {
                throw new ArgumentException($"Cannot reshape {FormatShape(Shape)} to {FormatShape(shape)}.", nameof(shape));
            }

            resolved[infer] = checked((int)(Length / known));
        }

        if (ComputeLength(resolved) != Length)
        {
            throw new ArgumentException($"Cannot reshape {FormatShape(Shape)} to {FormatShape(shape)}.", nameof(shape));
        }

        Storage.AddReference();
        return new Tensor(Storage, ByteOffset, resolved, DType);
    }

    /// <summary>
    /// A view of rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> of dimension 0
    /// (no copy: contiguous because only the outermost dimension is cut).
    /// </summary>
    public Tensor Narrow0(int start, int count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Rank == 0 || start < 0 || count < 0 || start + count > _shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows {start}..{start + count} are outside {FormatShape(Shape)}.");
        }

        int[] shape = (int[])_shape.Clone();
        shape[0] = count;
        long rowBytes = _shape[0] == 0 ? 0 : ByteLength / _shape[0];
        Storage.AddReference();
        return new Tensor(Storage, ByteOffset + (start * rowBytes), shape, DType);
    }

    /// <summary>Copies this tensor to another device (or returns a copy on the same one).</summary>
    public Tensor To(Device device) => Backends.Copy(this, device);

    /// <summary>Removes this tensor from the current <see cref="TensorScope"/> so that it outlives the scope.</summary>
    public Tensor Detach()
    {
        TensorScope.Unregister(this);
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Storage.Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor({FormatShape(Shape)}, {DType}, {Device})";

    /// <summary>Number of elements of a shape.</summary>
    public static long ComputeLength(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            n = checked(n * d);
        }

        return n;
    }

    /// <summary>Formats a shape as <c>[a, b, c]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>Maps a possibly negative dimension index into 0..rank-1.</summary>
    public static int NormalizeDim(int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension {dim} is out of range for rank {rank}.");
        }

        return d;
    }
}
