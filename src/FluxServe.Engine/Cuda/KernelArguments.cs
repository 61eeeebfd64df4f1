using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// The <c>void** kernelParams</c> of <c>cuLaunchKernel</c>, built on the stack: each argument's value is copied into
/// <c>values</c> and its address recorded in <c>pointers</c>, in the order of the kernel's parameters. The driver
/// copies each parameter (by the size the kernel declares) at launch, so the buffers only live for the call.
/// </summary>
/// <example><code>
/// var args = new KernelArguments(stackalloc byte[256], stackalloc nint[16]);
/// args.Add(x.Pointer); args.Add(y.Pointer); args.Add(n);
/// runtime.Launch(function, grid, block, 0, ref args);
/// </code></example>
internal unsafe ref struct KernelArguments
{
    private readonly Span<byte> _values;
    private readonly Span<nint> _pointers;
    private int _offset;
    private int _count;

    public KernelArguments(Span<byte> values, Span<nint> pointers)
    {
        _values = values;
        _pointers = pointers;
    }

    /// <summary>The number of arguments added.</summary>
    public readonly int Count => _count;

    /// <summary>Appends one argument (a pointer, a number, or a by-value struct matching the kernel's).</summary>
    public void Add<T>(T value)
        where T : unmanaged
    {
        int size = sizeof(T);
        int align = Math.Min(size, 8);
        _offset = (_offset + align - 1) & -align;
        if (_offset + size > _values.Length || _count >= _pointers.Length)
        {
            throw new InvalidOperationException("Kernel argument buffer too small; enlarge the stackalloc at the call site.");
        }

        MemoryMarshal.Write(_values[_offset..], in value);
        _pointers[_count++] = (nint)Unsafe.AsPointer(ref _values[_offset]);
        _offset += size;
    }

    /// <summary>The <c>void**</c> to pass to <c>cuLaunchKernel</c> (valid while the stack buffers are).</summary>
    public readonly void** Pointers => (void**)Unsafe.AsPointer(ref MemoryMarshal.GetReference(_pointers));
}
