using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// Decodes PNG files of every colour type, bit depth and interlace method to 8-bit RGB (conversions in
/// <see cref="PngRowConverter"/>), with zlib inflation by <see cref="ZLibStream"/>.
/// </summary>
/// <remarks>
/// Safety: the IHDR chunk's dimensions are checked against the limits before anything is allocated; every chunk must
/// lie inside the file, and critical chunks (IHDR, PLTE, IDAT, IEND) must carry a correct CRC; inflation stops at
/// exactly the bytes the dimensions need, so an IDAT stream that would inflate to gigabytes (a zip bomb) costs no
/// more than a legitimate image of the same size. Ancillary chunks are skipped unread, as libpng does by default.
/// A file without IEND is truncated and refused.
/// </remarks>
internal static unsafe class PngDecoder
{
    /// <summary>The 8-byte PNG file signature (PNG spec §5.2).</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const int HeaderChunkEnd = 8 + 8 + PngHeader.Length + 4;

    /// <summary>Reads and validates the IHDR chunk.</summary>
    public static ImageInfo Identify(ReadOnlySpan<byte> data)
    {
        var header = ReadHeader(data);
        return new ImageInfo(ImageFormat.Png, header.Width, header.Height);
    }

    /// <summary>Decodes to RGB after checking the header's dimensions against <paramref name="limits"/>.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, DecodeLimits limits)
    {
        var header = ReadHeader(data);
        limits.EnsureDimensions(ImageFormat.Png, header.Width, header.Height);
        long rowBytes = header.RowBytes(header.Width);
        if (rowBytes + 1 > Array.MaxLength / 2)
        {
            throw new ImageTooLargeException(ImageFormat.Png, $"rows of {rowBytes} bytes are too long to decode");
        }

        Span<byte> palette = stackalloc byte[256 * 3];
        palette.Clear();
        int firstIdat = ReadChunks(data, header, palette);

        var image = RgbImage.RentUninitialized(header.Width, header.Height);
        try
        {
            fixed (byte* file = data)
            {
                using var idat = new PngIdatReadStream(file, data.Length, firstIdat);
                using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
                Inflate(inflater, header, (int)rowBytes, palette, image);
            }

            return image;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            image.Dispose();
            throw e is EndOfStreamException
                ? new ImageFormatException(ImageFormat.Png, "the compressed image data ends before the last row (the IDAT chunks are incomplete)", e)
                : new ImageFormatException(ImageFormat.Png, $"the compressed image data is corrupt ({e.Message.TrimEnd('.')})", e);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static PngHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderChunkEnd)
        {
            throw new ImageFormatException(ImageFormat.Png, $"the file is truncated ({data.Length} bytes end before the IHDR chunk does)");
        }

        if (!data[12..16].SequenceEqual("IHDR"u8))
        {
            throw new ImageFormatException(ImageFormat.Png, $"the first chunk is {ChunkName(data[12..16])}, not IHDR");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data[8..]) != PngHeader.Length)
        {
            throw new ImageFormatException(ImageFormat.Png, $"the IHDR chunk has {BinaryPrimitives.ReadUInt32BigEndian(data[8..])} bytes, not {PngHeader.Length}");
        }

        if (PngCrc.Compute(data[12..(16 + PngHeader.Length)]) != BinaryPrimitives.ReadUInt32BigEndian(data[(16 + PngHeader.Length)..]))
        {
            throw new ImageFormatException(ImageFormat.Png, "the IHDR chunk's CRC does not match its contents (the file is corrupt)");
        }

        return PngHeader.Parse(data.Slice(16, PngHeader.Length));
    }

    /// <summary>
    /// Walks the chunks after IHDR to IEND, validating their layout and the critical chunks' CRCs, and reads PLTE
    /// into <paramref name="palette"/>. Returns the offset of the first IDAT chunk.
    /// </summary>
    private static int ReadChunks(ReadOnlySpan<byte> data, in PngHeader header, Span<byte> palette)
    {
        int offset = HeaderChunkEnd;
        int firstIdat = -1;
        bool idatEnded = false;
        int paletteEntries = 0;
        while (true)
        {
            if (data.Length - offset < 12)
            {
                throw new ImageFormatException(ImageFormat.Png, offset == data.Length
                    ? "the file is truncated (it ends before the IEND chunk)"
                    : "the file is truncated (it ends inside a chunk header)");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = data.Slice(offset + 4, 4);
            if (length > int.MaxValue)
            {
                throw new ImageFormatException(ImageFormat.Png, $"chunk {ChunkName(type)} declares {length} bytes (at most 2³¹−1 are allowed)");
            }

            if (!IsChunkType(type))
            {
                throw new ImageFormatException(ImageFormat.Png, $"a chunk type at byte {offset + 4} is not four ASCII letters (the file is corrupt)");
            }

            long end = (long)offset + 12 + length;
            if (end > data.Length)
            {
                throw new ImageFormatException(ImageFormat.Png, $"the file is truncated (it ends inside the {ChunkName(type)} chunk)");
            }

            bool critical = (type[0] & 0x20) == 0;
            if (critical && PngCrc.Compute(data.Slice(offset + 4, 4 + (int)length)) != BinaryPrimitives.ReadUInt32BigEndian(data[(int)(end - 4)..]))
            {
                throw new ImageFormatException(ImageFormat.Png, $"the {ChunkName(type)} chunk's CRC does not match its contents (the file is corrupt)");
            }

            bool isIdat = type.SequenceEqual("IDAT"u8);
            if (isIdat)
            {
                if (idatEnded)
                {
                    throw new ImageFormatException(ImageFormat.Png, "the IDAT chunks are not consecutive");
                }

                if (firstIdat < 0)
                {
                    firstIdat = offset;
                }
            }
            else if (firstIdat >= 0)
            {
                idatEnded = true;
            }

            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            if (type.SequenceEqual("PLTE"u8))
            {
                paletteEntries = ReadPalette(data.Slice(offset + 8, (int)length), firstIdat >= 0, paletteEntries, palette);
            }
            else if (type.SequenceEqual("IHDR"u8))
            {
                throw new ImageFormatException(ImageFormat.Png, "the file has a second IHDR chunk");
            }
            else if (critical && !isIdat)
            {
                throw new ImageFormatException(ImageFormat.Png, $"the file has an unknown critical chunk {ChunkName(type)}");
            }

            offset = (int)end;
        }

        if (firstIdat < 0)
        {
            throw new ImageFormatException(ImageFormat.Png, "the file has no IDAT chunk (no image data)");
        }

        if (header.ColorType == PngColorType.Palette && paletteEntries == 0)
        {
            throw new ImageFormatException(ImageFormat.Png, "the palette image has no PLTE chunk");
        }

        return firstIdat;
    }

    private static int ReadPalette(ReadOnlySpan<byte> chunk, bool afterIdat, int entriesSoFar, Span<byte> palette)
    {
        if (afterIdat)
        {
            throw new ImageFormatException(ImageFormat.Png, "the PLTE chunk comes after IDAT");
        }

        if (entriesSoFar > 0)
        {
            throw new ImageFormatException(ImageFormat.Png, "the file has a second PLTE chunk");
        }

        if (chunk.Length == 0 || chunk.Length % 3 != 0 || chunk.Length > palette.Length)
        {
            throw new ImageFormatException(ImageFormat.Png, $"the PLTE chunk has {chunk.Length} bytes (it must hold 1 to 256 RGB entries)");
        }

        // Grey images may carry a (meaningless) PLTE, and RGB ones a suggested palette: reading it is harmless.
        chunk.CopyTo(palette);
        return chunk.Length / 3;
    }

    private static void Inflate(ZLibStream inflater, in PngHeader header, int rowBytes, ReadOnlySpan<byte> palette, RgbImage image)
    {
        int bpp = header.FilterStride;
        byte[] rows = ArrayPool<byte>.Shared.Rent(2 * (rowBytes + 1));
        byte[]? passRgb = header.Interlaced ? ArrayPool<byte>.Shared.Rent(image.Stride) : null;
        try
        {
            var current = rows.AsSpan(0, rowBytes + 1);
            var previous = rows.AsSpan(rowBytes + 1, rowBytes + 1);
            if (!header.Interlaced)
            {
                previous.Clear();
                for (int y = 0; y < header.Height; y++)
                {
                    ReadRow(inflater, current, previous, bpp, y);
                    PngRowConverter.ToRgb(header, current[1..], header.Width, palette, image.GetRow(y));
                    var swap = current;
                    current = previous;
                    previous = swap;
                }

                return;
            }

            for (int pass = 0; pass < Adam7.PassCount; pass++)
            {
                var (startX, startY, stepX, stepY, passWidth, passHeight) = Adam7.Pass(pass, header.Width, header.Height);
                if (passWidth == 0 || passHeight == 0)
                {
                    continue; // an empty pass has no scanlines, not even filter bytes (PNG spec §8.2)
                }

                int passRowBytes = (int)header.RowBytes(passWidth);
                var passCurrent = current[..(passRowBytes + 1)];
                var passPrevious = previous[..(passRowBytes + 1)];
                passPrevious.Clear();
                var rgb = passRgb.AsSpan(0, passWidth * 3);
                for (int row = 0; row < passHeight; row++)
                {
                    ReadRow(inflater, passCurrent, passPrevious, bpp, row);
                    PngRowConverter.ToRgb(header, passCurrent[1..], passWidth, palette, rgb);
                    var target = image.GetRow(startY + (row * stepY));
                    for (int i = 0, x = startX; i < passWidth; i++, x += stepX)
                    {
                        rgb.Slice(3 * i, 3).CopyTo(target[(3 * x)..]);
                    }

                    var swap = passCurrent;
                    passCurrent = passPrevious;
                    passPrevious = swap;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows);
            if (passRgb is not null)
            {
                ArrayPool<byte>.Shared.Return(passRgb);
            }
        }
    }

    /// <summary>Inflates one scanline (filter byte and data) into <paramref name="current"/> and reconstructs it.</summary>
    private static void ReadRow(ZLibStream inflater, Span<byte> current, ReadOnlySpan<byte> previous, int bpp, int row)
    {
        inflater.ReadExactly(current);
        byte filter = current[0];
        if (filter > (byte)PngFilterType.Paeth)
        {
            throw new ImageFormatException(ImageFormat.Png, $"scanline {row} has filter type {filter} (valid are 0 to 4; the data is corrupt)");
        }

        PngFilterKernels.Unfilter((PngFilterType)filter, current[1..], previous[1..], bpp);
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (byte c in type)
        {
            if (!char.IsAsciiLetter((char)c))
            {
                return false;
            }
        }

        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type) =>
        IsChunkType(type) ? System.Text.Encoding.ASCII.GetString(type) : $"0x{Convert.ToHexString(type)}";
}
