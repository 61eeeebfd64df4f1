using System.Buffers;
using System.Runtime.CompilerServices;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// A growable buffer rented from <see cref="ArrayPool{T}.Shared"/>, so a tokenizer call allocates nothing in
/// steady state. Pass it by <c>ref</c>; call <see cref="Dispose"/> exactly once.
/// </summary>
internal struct PooledBuffer<T> : IDisposable
{
    private T[] _array;
    private int _count;

    public PooledBuffer(int capacity)
    {
        _array = ArrayPool<T>.Shared.Rent(Math.Max(capacity, 16));
        _count = 0;
    }

    public readonly int Count => _count;

    public readonly Span<T> Span => _array.AsSpan(0, _count);

    public readonly ref T this[int index] => ref _array[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (_count == _array.Length)
        {
            Grow(1);
        }

        _array[_count++] = item;
    }

    public void AddRange(scoped ReadOnlySpan<T> items)
    {
        if (_count + items.Length > _array.Length)
        {
            Grow(items.Length);
        }

        items.CopyTo(_array.AsSpan(_count));
        _count += items.Length;
    }

    /// <summary>Makes room for <paramref name="length"/> more items and returns them (uninitialised).</summary>
    public Span<T> AppendSpan(int length)
    {
        if (_count + length > _array.Length)
        {
            Grow(length);
        }

        var span = _array.AsSpan(_count, length);
        _count += length;
        return span;
    }

    public void Clear() => _count = 0;

    /// <summary>Drops items past <paramref name="count"/>.</summary>
    public void Truncate(int count) => _count = Math.Min(_count, count);

    public void RemoveLast(int count) => _count -= count;

    private void Grow(int extra)
    {
        var next = ArrayPool<T>.Shared.Rent(Math.Max(_array.Length * 2, _count + extra));
        _array.AsSpan(0, _count).CopyTo(next);
        ArrayPool<T>.Shared.Return(_array, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        _array = next;
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _count = 0;
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }
}
