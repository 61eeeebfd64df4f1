using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// A reusable, 64-byte-aligned float buffer for packed GEMM operands. It only grows, so a thread that runs GEMMs keeps
/// one allocation; it is a pinned managed array, so the garbage collector frees it with its owner (a thread-static
/// job of a thread that has ended, say) and nothing native can leak.
/// </summary>
internal sealed unsafe class PackBuffer
{
    private const int Slack = 32;
    private float[]? _array;

    /// <summary>The aligned start (null until the first <see cref="Ensure"/>).</summary>
    public float* Pointer { get; private set; }

    /// <summary>Usable floats from <see cref="Pointer"/>.</summary>
    public long Capacity { get; private set; }

    /// <summary>Makes room for <paramref name="floats"/> floats and returns the aligned start.</summary>
    public float* Ensure(long floats)
    {
        if (floats > Capacity)
        {
            long length = floats + Slack;
            if (length > Array.MaxLength)
            {
                throw new InvalidOperationException($"A GEMM pack buffer of {floats} floats is larger than an array can be.");
            }

            _array = GC.AllocateUninitializedArray<float>((int)length, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            int skip = (int)(((64 - (address & 63)) & 63) / sizeof(float));
            Pointer = (float*)address + skip;
            Capacity = length - Slack;
        }

        return Pointer;
    }
}
