using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// The decoder never crashes and never allocates what a hostile header asks for: every truncation of a valid file
/// of each format is refused, seeded random byte flips and garbage end in an image or an
/// <see cref="ImageFormatException"/> and nothing else, headers declaring enormous images are refused quickly with
/// little memory, and a PNG whose IDAT inflates to far more than its header needs costs only what the header needs.
/// </summary>
public sealed class ImageDecoderSafetyTests
{
    /// <summary>A zlib stream inflating to 1 GiB of zeros (about 1 MB), made once for the bomb tests.</summary>
    private static readonly Lazy<byte[]> GigabyteOfZeros = new(() => DeflatedZeros(1L << 30));

    public static TheoryData<string> Kinds() => new() { "png", "jpeg", "webp-lossy", "webp-lossless" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_is_refused(string kind)
    {
        byte[] file = ValidFile(kind, 24, 16);
        using (ImageDecoder.Decode(file))
        {
        }

        for (int length = 0; length < file.Length; length++)
        {
            var prefix = file.AsSpan(0, length).ToArray();
            var e = Assert.ThrowsAny<ImageFormatException>(() => ImageDecoder.Decode(prefix).Dispose());
            Assert.False(string.IsNullOrWhiteSpace(e.Reason), $"prefix {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Random_byte_flips_end_in_an_image_or_a_format_error(string kind)
    {
        byte[] file = ValidFile(kind, 24, 16);
        var random = new Random(20240601 + kind.Length);
        int decoded = 0, refused = 0;
        for (int trial = 0; trial < 1500; trial++)
        {
            var copy = (byte[])file.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            }

            try
            {
                using var image = ImageDecoder.Decode(copy);
                Assert.Equal(image.ByteCount, image.Pixels.Length);
                decoded++;
            }
            catch (ImageFormatException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Reason));
                refused++;
            }
        }

        Assert.True(refused > 0, "some flips must be detected");
        Assert.Equal(1500, decoded + refused);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Garbage_after_the_magic_bytes_is_refused_or_decoded(string kind)
    {
        byte[] magic = ValidFile(kind, 8, 8).AsSpan(0, kind == "png" ? 8 : kind == "jpeg" ? 3 : 16).ToArray();
        var random = new Random(77);
        for (int trial = 0; trial < 1000; trial++)
        {
            var file = new byte[magic.Length + random.Next(0, 600)];
            random.NextBytes(file);
            magic.CopyTo(file, 0);
            if (kind.StartsWith("webp", StringComparison.Ordinal) && trial % 2 == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8)); // a consistent RIFF size
            }

            try
            {
                ImageDecoder.Decode(file).Dispose();
            }
            catch (ImageFormatException)
            {
            }
        }
    }

    [Fact]
    public void Random_bytes_are_not_recognised()
    {
        var random = new Random(78);
        for (int trial = 0; trial < 1000; trial++)
        {
            var file = new byte[random.Next(0, 100)];
            random.NextBytes(file);
            if (ImageDecoder.DetectFormat(file) is null)
            {
                var e = Assert.ThrowsAny<ImageFormatException>(() => ImageDecoder.Decode(file).Dispose());
                Assert.Null(e.Format);
            }
        }
    }

    public static TheoryData<string> HugeHeaders() => new() { "png", "jpeg", "webp-vp8l", "webp-vp8", "webp-vp8x" };

    [Theory]
    [MemberData(nameof(HugeHeaders))]
    public void A_header_declaring_an_enormous_image_is_refused_fast_with_little_memory(string kind)
    {
        // 100000×100000 where the format can say it; JPEG stops at 65535 a side, plain VP8/VP8L at 16384, and
        // libwebp refuses VP8X canvases of 2³² pixels or more as malformed (see the next test).
        byte[] file = kind switch
        {
            "png" => PngDeclaring(100_000, 100_000),
            "jpeg" => JpegDeclaring(65_500, 65_500),
            "webp-vp8l" => Vp8lDeclaring(16_384, 16_384),
            "webp-vp8" => Vp8Declaring(16_383, 16_383),
            _ => WebPCodecTests.Riff(WebPCodecTests.Vp8x(0x02, 65_000, 65_000), WebPCodecTests.RiffChunk("ANIM", new byte[6])),
        };
        if (kind != "webp-vp8x")
        {
            // Identify reads the same header (an animated canvas is refused as animated instead).
            Assert.True(ImageDecoder.Identify(file).PixelCount > DecodeLimits.Default.MaxPixels);
        }

        ImageDecoder.Decode(ValidFile("png", 4, 4)).Dispose(); // warm up code paths, so only the refusal is measured
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.Decode(file).Dispose());
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("exceeds the limit", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated");
        Assert.True(clock.ElapsedMilliseconds < 1000, $"{clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_webp_canvas_of_100000_squared_is_refused_fast()
    {
        byte[] file = WebPCodecTests.Riff(WebPCodecTests.Vp8x(0x02, 100_000, 100_000), WebPCodecTests.RiffChunk("ANIM", new byte[6]));
        var clock = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<ImageFormatException>(() => ImageDecoder.Decode(file).Dispose());
        Assert.Equal(ImageFormat.WebP, e.Format);
        Assert.True(clock.ElapsedMilliseconds < 1000);
    }

    [Fact]
    public void Png_idat_inflating_to_a_gigabyte_costs_only_what_the_header_needs()
    {
        // 64×64 RGB needs 64 × 193 bytes of scanlines; the IDAT stream inflates to 1 GiB of zeros.
        byte[] bomb = GigabyteOfZeros.Value;
        Assert.True(bomb.Length < 2 * 1024 * 1024);
        byte[] png = new TestPngBuilder().Header(64, 64).Idat(bomb).End().ToArray();

        ImageDecoder.Decode(ValidFile("png", 4, 4)).Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        using (var image = ImageDecoder.Decode(png))
        {
            Assert.True(image.Pixels.IndexOfAnyExcept((byte)0) < 0);
        }

        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated");
        Assert.True(clock.ElapsedMilliseconds < 1000, $"{clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Png_bomb_declaring_more_than_the_limit_is_refused_before_inflating()
    {
        byte[] bomb = GigabyteOfZeros.Value;
        byte[] png = new TestPngBuilder().Header(20_000, 20_000).Idat(bomb).End().ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ImageTooLargeException>(() => ImageDecoder.Decode(png).Dispose());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    /// <summary>A small valid file of each kind, made by FluxServe's encoder.</summary>
    internal static byte[] ValidFile(string kind, int width, int height)
    {
        using var image = ImagingTestData.PhotoLike(width, height, 31);
        return kind switch
        {
            "png" => ImageEncoder.Encode(image, ImageFormat.Png),
            "jpeg" => ImageEncoder.Encode(image, ImageFormat.Jpeg, 90),
            "webp-lossy" => ImageEncoder.Encode(image, ImageFormat.WebP, 90),
            "webp-lossless" => ImageEncoder.Encode(image, ImageFormat.WebP, lossless: true),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static byte[] PngDeclaring(uint width, uint height)
    {
        byte[] png = ValidFile("png", 8, 8);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        ImagingTestData.FixChunkCrc(png, 8);
        return png;
    }

    private static byte[] JpegDeclaring(int width, int height)
    {
        byte[] jpeg = ValidFile("jpeg", 8, 8);
        int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        Assert.True(sof > 0);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), (ushort)width);
        return jpeg;
    }

    /// <summary>A lossless file whose VP8L header (after the 0x2F signature: 14 bits width−1, 14 bits height−1, LSB first) is patched.</summary>
    private static byte[] Vp8lDeclaring(int width, int height)
    {
        byte[] webp = ValidFile("webp-lossless", 8, 8);
        Assert.Equal(0x2F, webp[20]);
        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(21));
        bits = (bits & 0xF0000000u) | (uint)(width - 1) | ((uint)(height - 1) << 14);
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(21), bits);
        return webp;
    }

    /// <summary>A lossy file whose VP8 key-frame header (3-byte tag, 9D 01 2A, 14-bit width and height with 2 scale bits) is patched.</summary>
    private static byte[] Vp8Declaring(int width, int height)
    {
        byte[] webp = ValidFile("webp-lossy", 8, 8);
        int start = webp.AsSpan().IndexOf([(byte)0x9D, (byte)0x01, (byte)0x2A]);
        Assert.True(start > 0);
        BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(start + 3), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(start + 5), (ushort)height);
        return webp;
    }

    /// <summary>A zlib stream inflating to <paramref name="count"/> zero bytes.</summary>
    private static byte[] DeflatedZeros(long count)
    {
        var output = new MemoryStream();
        using (var deflater = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (long written = 0; written < count; written += zeros.Length)
            {
                deflater.Write(zeros);
            }
        }

        return output.ToArray();
    }
}
