using System.Buffers.Binary;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// The concatenated data of a run of consecutive IDAT chunks (the zlib stream, PNG spec §10), read in place from the
/// file without copying. The caller has already checked that every chunk lies inside the file and keeps the file
/// pinned while the stream is used.
/// </summary>
internal sealed unsafe class PngIdatReadStream : Stream
{
    private readonly byte* _file;
    private readonly int _fileLength;
    private int _position;
    private int _chunkEnd;

    /// <param name="file">The pinned PNG file.</param>
    /// <param name="fileLength">Its length.</param>
    /// <param name="firstIdat">The offset of the first IDAT chunk's length field.</param>
    public PngIdatReadStream(byte* file, int fileLength, int firstIdat)
    {
        _file = file;
        _fileLength = fileLength;
        _position = firstIdat + 8;
        _chunkEnd = _position + ReadLength(firstIdat);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _chunkEnd)
        {
            // Step over the CRC to the next chunk; the data ends at the first chunk that is not IDAT.
            int next = _chunkEnd + 4;
            if (next + 8 > _fileLength || !IsIdat(next + 4))
            {
                return 0;
            }

            _position = next + 8;
            _chunkEnd = _position + ReadLength(next);
        }

        int count = Math.Min(buffer.Length, _chunkEnd - _position);
        new ReadOnlySpan<byte>(_file + _position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int ReadLength(int chunk) => (int)BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(_file + chunk, 4));

    private bool IsIdat(int type) => _file[type] == (byte)'I' && _file[type + 1] == (byte)'D' && _file[type + 2] == (byte)'A' && _file[type + 3] == (byte)'T';
}
