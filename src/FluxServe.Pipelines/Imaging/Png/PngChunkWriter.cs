using System.Buffers.Binary;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>Writes PNG chunks: length, type, data, CRC of type and data (PNG spec §5.3).</summary>
internal static class PngChunkWriter
{
    public static void Write(Stream destination, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        type.CopyTo(header[4..]);
        destination.Write(header);
        destination.Write(data);

        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, PngCrc.Append(PngCrc.Compute(type), data));
        destination.Write(crc);
    }
}
