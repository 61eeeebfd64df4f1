using System.Buffers;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// Collects the zlib stream that a <see cref="System.IO.Compression.ZLibStream"/> writes and emits it as IDAT
/// chunks of up to <see cref="ChunkCapacity"/> bytes, each with its CRC. Call <see cref="Complete"/> after the zlib
/// stream is disposed, to write the last chunk.
/// </summary>
internal sealed class PngIdatWriteStream : Stream
{
    /// <summary>IDAT data per chunk. libpng writes 8 KiB; bigger chunks cost fewer headers and CRC calls.</summary>
    public const int ChunkCapacity = 256 * 1024;

    private readonly Stream _destination;
    private byte[] _buffer;
    private int _count;

    public PngIdatWriteStream(Stream destination)
    {
        _destination = destination;
        _buffer = ArrayPool<byte>.Shared.Rent(ChunkCapacity);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, ChunkCapacity - _count);
            buffer[..take].CopyTo(_buffer.AsSpan(_count));
            _count += take;
            buffer = buffer[take..];
            if (_count == ChunkCapacity)
            {
                EmitChunk();
            }
        }
    }

    /// <summary>Writes the pending bytes as a last IDAT chunk (none when nothing is pending).</summary>
    public void Complete()
    {
        if (_count > 0)
        {
            EmitChunk();
        }
    }

    /// <summary>Does nothing: chunks are emitted when full and by <see cref="Complete"/>, so a zlib flush cannot split them.</summary>
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
        }

        base.Dispose(disposing);
    }

    private void EmitChunk()
    {
        PngChunkWriter.Write(_destination, "IDAT"u8, _buffer.AsSpan(0, _count));
        _count = 0;
    }
}
