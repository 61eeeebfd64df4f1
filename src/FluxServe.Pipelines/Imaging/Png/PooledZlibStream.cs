using System.Buffers;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// A write-only stream into a growable array rented from the shared pool: where <see cref="PngEncoder"/> collects a
/// zlib stream before cutting it into IDAT chunks. <see cref="Dispose(bool)"/> returns the array.
/// </summary>
internal sealed class PooledZlibStream : Stream
{
    private byte[] _buffer;
    private int _count;

    public PooledZlibStream(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 4096));
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _count;

    public override long Position
    {
        get => _count;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (buffer.Length > _buffer.Length - _count)
        {
            long needed = (long)_count + buffer.Length;
            if (needed > Array.MaxLength)
            {
                throw new InvalidOperationException("The compressed image is larger than one array holds.");
            }

            byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(needed, 2L * _buffer.Length), Array.MaxLength));
            _buffer.AsSpan(0, _count).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        buffer.CopyTo(_buffer.AsSpan(_count));
        _count += buffer.Length;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _count = 0;
        }

        base.Dispose(disposing);
    }
}
