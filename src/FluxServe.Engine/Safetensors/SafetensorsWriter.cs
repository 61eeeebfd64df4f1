using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace FluxServe.Engine.Safetensors;

/// <summary>Writes safetensors files that <see cref="SafetensorsFile"/> and the reference crate both accept.</summary>
/// <remarks>
/// The header is padded with spaces to a multiple of 8 bytes, and tensors are laid out by descending element size
/// (stable within a size), as the reference crate does, so every tensor's data is aligned to its element size. The
/// file is written under a temporary name in the same folder and renamed into place when complete.
/// </remarks>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (on any device; others are copied to the host one at a time).</summary>
    /// <exception cref="ArgumentException">A name is repeated, empty of meaning (<c>__metadata__</c>) or null.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var sources = new List<SafetensorsTensorSource>();
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor);
            sources.Add(new SafetensorsTensorSource(name, tensor.DType, tensor.Shape, stream => WriteTensor(stream, tensor)));
        }

        WriteStreaming(path, sources, metadata);
    }

    /// <summary>
    /// Writes tensors whose data is produced on demand, one at a time, so a checkpoint larger than memory can be
    /// synthesised. Each callback must write exactly its tensor's byte length.
    /// </summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved.</exception>
    /// <exception cref="InvalidOperationException">A callback wrote more or fewer bytes than its tensor needs.</exception>
    public static void WriteStreaming(string path, IEnumerable<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = Order(tensors);
        byte[] header = BuildHeader(ordered, metadata);

        string full = Path.GetFullPath(path);
        string temporary = full + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                file.Write(header);
                foreach (var source in ordered)
                {
                    using var data = new BoundedWriteStream(file, source.ByteLength);
                    source.WriteData(data);
                    if (data.Remaining != 0)
                    {
                        throw new InvalidOperationException(
                            $"Writing '{full}': the data callback of tensor '{source.Name}' wrote {source.ByteLength - data.Remaining} of its {source.ByteLength} bytes.");
                    }
                }

                file.Flush(flushToDisk: false);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static List<SafetensorsTensorSource> Order(IEnumerable<SafetensorsTensorSource> tensors)
    {
        var list = new List<SafetensorsTensorSource>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (t.Name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for the metadata map and cannot name a tensor.", nameof(tensors));
            }

            if (!names.Add(t.Name))
            {
                throw new ArgumentException($"Tensor '{t.Name}' is given more than once.", nameof(tensors));
            }

            _ = t.DType.SizeOf(); // rejects values outside the enum
            list.Add(t);
        }

        // Descending element size keeps every tensor aligned to its element size; OrderBy is stable.
        return [.. list.OrderByDescending(t => t.DType.SizeOf())];
    }

    private static byte[] BuildHeader(List<SafetensorsTensorSource> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = false }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in ordered)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + t.ByteLength);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static unsafe void WriteTensor(Stream stream, Tensor tensor)
    {
        Tensor host = tensor.Device.Kind == DeviceKind.Cpu ? tensor : tensor.To(Device.Cpu);
        try
        {
            byte* p = (byte*)host.Pointer;
            long left = host.ByteLength;
            const int Chunk = 1 << 30;
            while (left > 0)
            {
                int n = (int)Math.Min(left, Chunk);
                stream.Write(new ReadOnlySpan<byte>(p, n));
                p += n;
                left -= n;
            }
        }
        finally
        {
            if (!ReferenceEquals(host, tensor))
            {
                host.Dispose();
            }
        }
    }

    /// <summary>A write-only window onto the file that refuses to write past one tensor's byte length.</summary>
    private sealed class BoundedWriteStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _length;

        public BoundedWriteStream(Stream inner, long length)
        {
            _inner = inner;
            _length = length;
            Remaining = length;
        }

        public long Remaining { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length - Remaining;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > Remaining)
            {
                throw new InvalidOperationException($"A tensor data callback wrote more than the tensor's {_length} bytes.");
            }

            _inner.Write(buffer);
            Remaining -= buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
