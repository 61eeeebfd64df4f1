using System.Buffers.Binary;
using System.IO.Compression;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Imaging.Png;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// The PNG codec: decoding the Python-written corpus (every colour type, bit depth, Adam7), exact round trips, the
/// encoder's file structure checked with independent code, and the decoder's refusals of malformed files.
/// </summary>
public sealed class PngCodecTests
{
    public static TheoryData<string> CorpusCases()
    {
        var cases = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(ImagingTestData.PngCorpusFolder, "*.png").Order(StringComparer.Ordinal))
        {
            cases.Add(Path.GetFileNameWithoutExtension(path));
        }

        return cases;
    }

    [Fact]
    public void Corpus_is_complete()
    {
        // 2 × (5 grey + 3 × 2 eight/sixteen-bit colour + 4 palette) + 3 tiny interlaced = 33 cases.
        Assert.Equal(33, CorpusCases().Count);
    }

    [Theory]
    [MemberData(nameof(CorpusCases))]
    public void Decodes_the_python_written_corpus_to_the_expected_rgb(string name)
    {
        byte[] png = File.ReadAllBytes(Path.Combine(ImagingTestData.PngCorpusFolder, name + ".png"));
        byte[] expected = File.ReadAllBytes(Path.Combine(ImagingTestData.PngCorpusFolder, name + ".rgb"));
        var info = ImageDecoder.Identify(png);
        using var image = ImageDecoder.Decode(png);
        Assert.Equal(ImageFormat.Png, info.Format);
        Assert.Equal((info.Width, info.Height), (image.Width, image.Height));
        Assert.Equal(expected, ImagingTestData.ToArray(image));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(17, 5)]
    [InlineData(64, 64)]
    [InlineData(333, 41)]
    [InlineData(1000, 3)]
    public void Round_trip_is_exact(int width, int height)
    {
        foreach (var source in (RgbImage[])[ImagingTestData.PhotoLike(width, height, width), ImagingTestData.Noise(width, height, height)])
        {
            using (source)
            {
                byte[] png = ImageEncoder.Encode(source, ImageFormat.Png);
                using var decoded = ImageDecoder.Decode(png);
                Assert.Equal(ImagingTestData.ToArray(source), ImagingTestData.ToArray(decoded));
            }
        }
    }

    [Fact]
    public void Encoder_writes_a_valid_file_with_the_heuristic_filters()
    {
        using var source = ImagingTestData.PhotoLike(300, 200);
        byte[] png = ImageEncoder.Encode(source, ImageFormat.Png);

        // Chunk layout: IHDR, IDAT..., IEND, each CRC correct by the bitwise reference.
        var chunks = ImagingTestData.Chunks(png);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.All(chunks.Skip(1).SkipLast(1), c => Assert.Equal("IDAT", c.Type));
        Assert.Equal(png.Length, chunks[^1].Offset + 12);
        foreach (var (offset, _, length) in chunks)
        {
            Assert.Equal(ImagingTestData.ReferenceCrc(png.AsSpan(offset + 4, length + 4)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length)));
        }

        var ihdr = png.AsSpan(chunks[0].Offset + 8, 13);
        Assert.Equal(300u, BinaryPrimitives.ReadUInt32BigEndian(ihdr));
        Assert.Equal(200u, BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]));
        Assert.Equal([8, 2, 0, 0, 0], ihdr[8..].ToArray());

        // Inflate the IDAT data and undo each row's filter with the spec's formulas: the pixels come back, and each
        // row's filter is the one with the least sum of signed magnitudes.
        var zlib = new MemoryStream();
        foreach (var (offset, _, length) in chunks.Where(c => c.Type == "IDAT"))
        {
            zlib.Write(png, offset + 8, length);
        }

        zlib.Position = 0;
        using var inflater = new ZLibStream(zlib, CompressionMode.Decompress);
        var scanlines = new MemoryStream();
        inflater.CopyTo(scanlines);
        byte[] raw = scanlines.ToArray();
        Assert.Equal(200 * 901, raw.Length);
        var previous = new byte[900];
        var filterCounts = new int[5];
        for (int y = 0; y < 200; y++)
        {
            int filter = raw[y * 901];
            filterCounts[filter]++;
            var expectedRow = source.GetRow(y).ToArray();
            var filtered = raw.AsSpan((y * 901) + 1, 900);
            Assert.Equal(BestFilter(expectedRow, previous), filter);
            var row = new byte[900];
            for (int i = 0; i < 900; i++)
            {
                int a = i >= 3 ? row[i - 3] : 0, b = previous[i], c = i >= 3 ? previous[i - 3] : 0;
                int predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => PngFilterKernels.Paeth(a, b, c) };
                row[i] = (byte)(filtered[i] + predictor);
            }

            Assert.Equal(expectedRow, row);
            previous = row;
        }

        Assert.True(filterCounts.Count(c => c > 0) >= 2, "a photo-like image should use several filters");
    }

    [Fact]
    public void Encoder_splits_large_images_into_several_idat_chunks()
    {
        using var source = ImagingTestData.Noise(400, 300, 3);
        byte[] png = ImageEncoder.Encode(source, ImageFormat.Png);
        var idats = ImagingTestData.Chunks(png).Where(c => c.Type == "IDAT").ToList();
        Assert.True(idats.Count >= 2);
        Assert.All(idats.SkipLast(1), c => Assert.Equal(PngEncoder.ChunkCapacity, c.Length));
        using var decoded = ImageDecoder.Decode(png);
        Assert.Equal(ImagingTestData.ToArray(source), ImagingTestData.ToArray(decoded));
    }

    [Fact]
    public void Encoder_keeps_run_length_coding_for_photos_and_the_smaller_stream_for_flat_artwork()
    {
        using var photo = ImagingTestData.PhotoLike(256, 192, 4);
        using var flat = new RgbImage(256, 192);
        var pixels = flat.Pixels;
        for (int y = 0; y < 192; y++)
        {
            for (int x = 0; x < 256; x++)
            {
                // A checkerboard of 8-pixel squares over a plain background: repeats that only LZ77 matches catch.
                bool square = x > 64 && y > 32 && ((x / 8) + (y / 8)) % 2 == 0;
                pixels[3 * ((y * 256) + x)] = square ? (byte)200 : (byte)30;
                pixels[(3 * ((y * 256) + x)) + 1] = square ? (byte)60 : (byte)140;
                pixels[(3 * ((y * 256) + x)) + 2] = (byte)(x / 64 * 50);
            }
        }

        foreach (var (image, matched) in (ValueTuple<RgbImage, bool>[])[(photo, false), (flat, true)])
        {
            var raw = new byte[image.Height * (image.Stride + 1)];
            PngEncoder.FilterRows(image, raw);
            using var rle = PngEncoder.Deflate(raw, PngEncoder.MatchingLevel, ZLibCompressionStrategy.RunLengthEncoding);
            using var lz77 = PngEncoder.Deflate(raw, PngEncoder.MatchingLevel, ZLibCompressionStrategy.Default);
            byte[] png = ImageEncoder.Encode(image, ImageFormat.Png);
            int idat = ImagingTestData.Chunks(png).Where(c => c.Type == "IDAT").Sum(c => c.Length);
            Assert.Equal(matched, rle.Length * PngEncoder.RetryWithMatchesRatio < raw.Length);
            Assert.Equal(matched ? Math.Min(rle.Length, lz77.Length) : rle.Length, idat);
            using var decoded = ImageDecoder.Decode(png);
            Assert.Equal(ImagingTestData.ToArray(image), ImagingTestData.ToArray(decoded));
        }

        // On the flat image, matches must have won by far.
        byte[] flatPng = ImageEncoder.Encode(flat, ImageFormat.Png);
        var flatRaw = new byte[192 * ((256 * 3) + 1)];
        PngEncoder.FilterRows(flat, flatRaw);
        using var flatRle = PngEncoder.Deflate(flatRaw, PngEncoder.MatchingLevel, ZLibCompressionStrategy.RunLengthEncoding);
        Assert.True(flatPng.Length < flatRle.Length, $"{flatPng.Length} vs RLE {flatRle.Length}");
    }

    [Fact]
    public void Decodes_stored_deflate_split_into_one_byte_idat_chunks()
    {
        var rows = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
        byte[] png = new TestPngBuilder().Header(2, 2).Chunk("tEXt", "a\0b"u8)
            .Idat(TestPngBuilder.StoredZlib(TestPngBuilder.UnfilteredScanlines(rows, 6)), chunkSize: 1).End().ToArray();
        using var image = ImageDecoder.Decode(png);
        Assert.Equal(rows, ImagingTestData.ToArray(image));
    }

    [Fact]
    public void Sixteen_bit_samples_round_to_nearest()
    {
        for (int v = 0; v < 65536; v++)
        {
            Assert.Equal((byte)Math.Round(v * 255.0 / 65535.0, MidpointRounding.AwayFromZero), PngRowConverter.Scale16((byte)(v >> 8), (byte)v));
        }
    }

    [Fact]
    public void Palette_indices_past_the_palette_are_black()
    {
        byte[] png = new TestPngBuilder().Header(3, 1, bitDepth: 8, colorType: 3).Chunk("PLTE", [10, 20, 30, 40, 50, 60])
            .Idat(TestPngBuilder.StoredZlib([0, 1, 0, 200])).End().ToArray();
        using var image = ImageDecoder.Decode(png);
        Assert.Equal([40, 50, 60, 10, 20, 30, 0, 0, 0], ImagingTestData.ToArray(image));
    }

    public static TheoryData<string, string> MalformedFiles() => new()
    {
        { "ihdr-crc", "IHDR chunk's CRC does not match" },
        { "idat-crc", "IDAT chunk's CRC does not match" },
        { "no-idat", "no IDAT chunk" },
        { "no-iend", "ends before the IEND chunk" },
        { "split-idat", "IDAT chunks are not consecutive" },
        { "unknown-critical", "unknown critical chunk QQQQ" },
        { "palette-missing", "palette image has no PLTE chunk" },
        { "palette-after-idat", "PLTE chunk comes after IDAT" },
        { "palette-length", "PLTE chunk has 4 bytes" },
        { "bad-filter", "scanline 1 has filter type 7" },
        { "short-data", "ends before the last row" },
        { "corrupt-zlib", "compressed image data is corrupt" },
        { "bad-depth", "bit depth 3" },
        { "bad-color-type", "colour type 5" },
        { "bad-interlace", "interlace method 2" },
        { "zero-width", "0×4 pixels" },
        { "first-chunk", "first chunk is gAMA" },
        { "chunk-type", "is not four ASCII letters" },
        { "huge-chunk", "declares 4294967295 bytes" },
        { "second-ihdr", "second IHDR chunk" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_files_are_refused_with_the_reason(string name, string reason)
    {
        byte[] rows = TestPngBuilder.UnfilteredScanlines(new byte[4 * 12], 12);
        byte[] zlib = TestPngBuilder.StoredZlib(rows);
        var b = new TestPngBuilder();
        byte[] file = name switch
        {
            "ihdr-crc" => b.Chunk("IHDR", Ihdr(4, 4, 8, 2, 0), corruptCrc: true).Idat(zlib).End().ToArray(),
            "idat-crc" => b.Header(4, 4).Chunk("IDAT", zlib, corruptCrc: true).End().ToArray(),
            "no-idat" => b.Header(4, 4).End().ToArray(),
            "no-iend" => b.Header(4, 4).Idat(zlib).ToArray(),
            "split-idat" => b.Header(4, 4).Idat(zlib.AsSpan(0, 10)).Chunk("tEXt", "a\0b"u8).Idat(zlib.AsSpan(10)).End().ToArray(),
            "unknown-critical" => b.Header(4, 4).Chunk("QQQQ", [1]).Idat(zlib).End().ToArray(),
            "palette-missing" => b.Header(4, 4, 8, 3).Idat(TestPngBuilder.StoredZlib(new byte[4 * 5])).End().ToArray(),
            "palette-after-idat" => b.Header(4, 4, 8, 3).Idat(TestPngBuilder.StoredZlib(new byte[4 * 5])).Chunk("PLTE", [1, 2, 3]).End().ToArray(),
            "palette-length" => b.Header(4, 4, 8, 3).Chunk("PLTE", [1, 2, 3, 4]).Idat(TestPngBuilder.StoredZlib(new byte[4 * 5])).End().ToArray(),
            "bad-filter" => b.Header(4, 4).Idat(TestPngBuilder.StoredZlib(WithFilterByte(rows, 13, 7))).End().ToArray(),
            "short-data" => b.Header(4, 4).Idat(TestPngBuilder.StoredZlib(rows.AsSpan(0, 40))).End().ToArray(),
            "corrupt-zlib" => b.Header(4, 4).Idat([0x78, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]).End().ToArray(),
            "bad-depth" => b.Header(4, 4, bitDepth: 3, colorType: 0).Idat(zlib).End().ToArray(),
            "bad-color-type" => b.Header(4, 4, colorType: 5).Idat(zlib).End().ToArray(),
            "bad-interlace" => b.Header(4, 4, interlace: 2).Idat(zlib).End().ToArray(),
            "zero-width" => b.Header(0, 4).Idat(zlib).End().ToArray(),
            "first-chunk" => b.Chunk("gAMA", [0, 0, 0, 1]).Header(4, 4).Idat(zlib).End().ToArray(),
            "chunk-type" => b.Header(4, 4).Chunk("a1b2", [1]).Idat(zlib).End().ToArray(),
            "huge-chunk" => HugeChunk(b.Header(4, 4).ToArray()),
            "second-ihdr" => b.Header(4, 4).Header(4, 4).Idat(zlib).End().ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var e = Assert.ThrowsAny<ImageFormatException>(() => ImageDecoder.Decode(file).Dispose());
        Assert.Equal(ImageFormat.Png, e.Format);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid PNG image: ", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Ihdr(uint width, uint height, byte depth, byte colorType, byte interlace)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        data[8] = depth;
        data[9] = colorType;
        data[12] = interlace;
        return data;
    }

    private static byte[] WithFilterByte(byte[] scanlines, int offset, byte filter)
    {
        var copy = (byte[])scanlines.Clone();
        copy[offset] = filter;
        return copy;
    }

    private static byte[] HugeChunk(byte[] headerOnly)
    {
        var file = new byte[headerOnly.Length + 12];
        headerOnly.CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(headerOnly.Length), uint.MaxValue);
        "IDAT"u8.CopyTo(file.AsSpan(headerOnly.Length + 4));
        return file;
    }

    private static int BestFilter(byte[] row, byte[] previous)
    {
        int best = 0;
        long bestCost = long.MaxValue;
        for (int f = 0; f < 5; f++)
        {
            long cost = 0;
            for (int i = 0; i < row.Length; i++)
            {
                int a = i >= 3 ? row[i - 3] : 0, b = previous[i], c = i >= 3 ? previous[i - 3] : 0;
                int predictor = f switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => PngFilterKernels.Paeth(a, b, c) };
                int value = (byte)(row[i] - predictor);
                cost += Math.Min(value, 256 - value);
            }

            if (cost < bestCost)
            {
                bestCost = cost;
                best = f;
            }
        }

        return best;
    }
}
