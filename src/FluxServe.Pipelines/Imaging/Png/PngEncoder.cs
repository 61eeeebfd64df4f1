using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// Writes 8-bit RGB PNG files: IHDR, IDAT chunks of one zlib stream, IEND. Each row takes the filter with the least
/// sum of signed magnitudes (<see cref="PngFilterKernels.ChooseFilter"/>, libpng's adaptive heuristic), and the
/// zlib stream is compressed by <see cref="ZLibStream"/> (zlib-ng in .NET) at <see cref="DefaultCompressionLevel"/>.
/// </summary>
internal static class PngEncoder
{
    /// <summary>
    /// The zlib level used by default. Generated images are photographic and compress mostly by filtering; zlib
    /// levels above this one shrink them by well under 1 % while costing several times the time (docs/imaging.md).
    /// </summary>
    public const int DefaultCompressionLevel = 4;

    /// <summary>Encodes <paramref name="image"/> to <paramref name="destination"/>.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="destination">Receives the file.</param>
    /// <param name="compressionLevel">zlib level 0 (stored) to 9 (smallest).</param>
    public static void Encode(RgbImage image, Stream destination, int compressionLevel = DefaultCompressionLevel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(compressionLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);
        destination.Write(PngDecoder.Signature);

        Span<byte> header = stackalloc byte[PngHeader.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)image.Height);
        header[8] = 8;                          // bit depth
        header[9] = (byte)PngColorType.Rgb;
        header[10] = 0;                         // deflate
        header[11] = 0;                         // filter method 0
        header[12] = 0;                         // not interlaced
        PngChunkWriter.Write(destination, "IHDR"u8, header);

        int stride = image.Stride;
        byte[] buffers = ArrayPool<byte>.Shared.Rent((2 * stride) + 1);
        try
        {
            var zeroRow = buffers.AsSpan(0, stride);
            zeroRow.Clear();
            var filtered = buffers.AsSpan(stride, stride + 1);
            using var idat = new PngIdatWriteStream(destination);
            using (var deflater = new ZLibStream(idat, new ZLibCompressionOptions { CompressionLevel = compressionLevel }, leaveOpen: true))
            {
                ReadOnlySpan<byte> previous = zeroRow;
                for (int y = 0; y < image.Height; y++)
                {
                    var row = image.GetRow(y);
                    var filter = PngFilterKernels.ChooseFilter(row, previous, 3);
                    filtered[0] = (byte)filter;
                    PngFilterKernels.Filter(filter, row, previous, 3, filtered[1..]);
                    deflater.Write(filtered);
                    previous = row;
                }
            }

            idat.Complete();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffers);
        }

        PngChunkWriter.Write(destination, "IEND"u8, []);
    }
}
