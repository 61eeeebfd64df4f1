using System.Buffers;
using System.Buffers.Binary;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// Writes PNG files from raw (already packed, unfiltered) scanlines with code independent of FluxServe's codec:
/// stored (uncompressed) deflate blocks with a hand-computed Adler-32, the bitwise reference CRC, filter 0 per row
/// unless a zlib stream is supplied directly. For structural tests: chunk order, sizes, CRCs, zip bombs.
/// </summary>
internal sealed class TestPngBuilder
{
    private readonly ArrayBufferWriter<byte> _file = new();

    public TestPngBuilder()
    {
        _file.Write<byte>([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    }

    public TestPngBuilder Header(uint width, uint height, byte bitDepth = 8, byte colorType = 2, byte interlace = 0, byte compression = 0, byte filter = 0)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        data[8] = bitDepth;
        data[9] = colorType;
        data[10] = compression;
        data[11] = filter;
        data[12] = interlace;
        return Chunk("IHDR", data);
    }

    public TestPngBuilder Chunk(string type, ReadOnlySpan<byte> data, bool corruptCrc = false)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        _file.Write(word);
        var typeAndData = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData.AsSpan(4));
        _file.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, ImagingTestData.ReferenceCrc(typeAndData) ^ (corruptCrc ? 1u : 0u));
        _file.Write(word);
        return this;
    }

    /// <summary>IDAT chunks of at most <paramref name="chunkSize"/> bytes holding <paramref name="zlib"/>.</summary>
    public TestPngBuilder Idat(ReadOnlySpan<byte> zlib, int chunkSize = int.MaxValue)
    {
        do
        {
            int take = Math.Min(chunkSize, zlib.Length);
            Chunk("IDAT", zlib[..take]);
            zlib = zlib[take..];
        }
        while (!zlib.IsEmpty);
        return this;
    }

    public TestPngBuilder End() => Chunk("IEND", []);

    public byte[] ToArray() => _file.WrittenSpan.ToArray();

    /// <summary>A zlib stream of stored blocks (RFC 1950/1951) holding <paramref name="data"/>.</summary>
    public static byte[] StoredZlib(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream();
        output.WriteByte(0x78);
        output.WriteByte(0x01);
        int offset = 0;
        do
        {
            int take = Math.Min(65535, data.Length - offset);
            bool final = offset + take == data.Length;
            output.WriteByte(final ? (byte)1 : (byte)0);
            output.WriteByte((byte)take);
            output.WriteByte((byte)(take >> 8));
            output.WriteByte((byte)~take);
            output.WriteByte((byte)(~take >> 8));
            output.Write(data.Slice(offset, take));
            offset += take;
        }
        while (offset < data.Length);

        uint a = 1, b = 0;
        foreach (byte value in data)
        {
            a = (a + value) % 65521;
            b = (b + a) % 65521;
        }

        Span<byte> adler = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(adler, (b << 16) | a);
        output.Write(adler);
        return output.ToArray();
    }

    /// <summary>Scanlines with filter byte 0 in front of each packed row.</summary>
    public static byte[] UnfilteredScanlines(ReadOnlySpan<byte> rows, int rowBytes)
    {
        int height = rows.Length / rowBytes;
        var result = new byte[height * (rowBytes + 1)];
        for (int y = 0; y < height; y++)
        {
            rows.Slice(y * rowBytes, rowBytes).CopyTo(result.AsSpan((y * (rowBytes + 1)) + 1));
        }

        return result;
    }
}
