using System.Buffers.Binary;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Imaging.WebP;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// WebP through libwebp: lossless round trips exact, lossy within a PSNR bound, alpha dropped (colour kept),
/// animations refused, the size limit of the format enforced.
/// </summary>
public sealed unsafe class WebPCodecTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 19)]
    [InlineData(256, 256)]
    public void Lossless_round_trip_is_exact(int width, int height)
    {
        foreach (var source in (RgbImage[])[ImagingTestData.PhotoLike(width, height, 3), ImagingTestData.Noise(width, height, 4)])
        {
            using (source)
            {
                byte[] webp = ImageEncoder.Encode(source, ImageFormat.WebP, lossless: true);
                Assert.Equal("VP8L", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
                Assert.Equal(new ImageInfo(ImageFormat.WebP, width, height), ImageDecoder.Identify(webp));
                using var decoded = ImageDecoder.Decode(webp);
                Assert.Equal(ImagingTestData.ToArray(source), ImagingTestData.ToArray(decoded));
            }
        }
    }

    [Theory]
    [InlineData(256, 256, 32.0)]
    [InlineData(97, 31, 28.0)]
    public void Lossy_quality_90_round_trip_is_close(int width, int height, double minPsnr)
    {
        using var source = ImagingTestData.PhotoLike(width, height, 5);
        byte[] webp = ImageEncoder.Encode(source, ImageFormat.WebP, quality: 90);
        Assert.Equal("VP8 ", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
        using var decoded = ImageDecoder.Decode(webp);
        double psnr = ImagingTestData.Psnr(source, decoded);
        Assert.True(psnr > minPsnr, $"PSNR {psnr:F2} dB");
    }

    [Fact]
    public void Higher_quality_gives_higher_psnr()
    {
        using var source = ImagingTestData.PhotoLike(128, 128, 6);
        double last = 0;
        foreach (int quality in (int[])[0, 30, 60, 90, 100])
        {
            using var decoded = ImageDecoder.Decode(ImageEncoder.Encode(source, ImageFormat.WebP, quality));
            double psnr = ImagingTestData.Psnr(source, decoded);
            Assert.True(psnr > last, $"quality {quality}: {psnr:F2} dB");
            last = psnr;
        }
    }

    [Fact]
    public void Alpha_is_dropped_keeping_the_colour_samples()
    {
        const int Width = 21, Height = 9;
        var rgba = new byte[Width * Height * 4];
        new Random(7).NextBytes(rgba);
        for (int i = 3; i < rgba.Length; i += 4)
        {
            rgba[i] = (byte)(1 + (rgba[i] % 255)); // no fully transparent pixel, whose colour libwebp may alter
        }

        byte[] webp = EncodeLosslessRgba(rgba, Width, Height);
        Assert.Equal("VP8L", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(21)) & (1u << 28)); // alpha_is_used
        using var decoded = ImageDecoder.Decode(webp);
        var expected = new byte[Width * Height * 3];
        for (int p = 0; p < Width * Height; p++)
        {
            rgba.AsSpan(4 * p, 3).CopyTo(expected.AsSpan(3 * p));
        }

        Assert.Equal(expected, ImagingTestData.ToArray(decoded));
    }

    [Fact]
    public void Animation_is_refused_clearly()
    {
        using var frame = ImagingTestData.PhotoLike(8, 8, 1);
        byte[] still = ImageEncoder.Encode(frame, ImageFormat.WebP, lossless: true);
        byte[] animated = Animated(still.AsSpan(12), 8, 8);
        var e = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(animated).Dispose());
        Assert.Equal(ImageFormat.WebP, e.Format);
        Assert.Contains("animated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Larger_than_webp_allows_is_refused_before_encoding()
    {
        using var wide = new RgbImage(WebPNative.MaxDimension + 1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageEncoder.Encode(wide, ImageFormat.WebP));
    }

    /// <summary>A RIFF/WEBP file from chunks: "RIFF", size, "WEBP", chunks (WebP container spec).</summary>
    public static byte[] Riff(params byte[][] chunks)
    {
        var body = new MemoryStream();
        body.Write("WEBP"u8);
        foreach (var c in chunks)
        {
            body.Write(c);
        }

        var file = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)body.Length);
        body.ToArray().CopyTo(file, 8);
        return file;
    }

    /// <summary>A chunk: four-letter type, little-endian size, data, a pad byte when the size is odd.</summary>
    public static byte[] RiffChunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[8 + data.Length + (data.Length & 1)];
        System.Text.Encoding.ASCII.GetBytes(type, chunk);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)data.Length);
        data.CopyTo(chunk.AsSpan(8));
        return chunk;
    }

    /// <summary>A VP8X header chunk: flags, then canvas width−1 and height−1 as 24-bit little-endian numbers.</summary>
    public static byte[] Vp8x(byte flags, int canvasWidth, int canvasHeight)
    {
        var data = new byte[10];
        data[0] = flags;
        Write24(data.AsSpan(4), canvasWidth - 1);
        Write24(data.AsSpan(7), canvasHeight - 1);
        return RiffChunk("VP8X", data);
    }

    private static byte[] Animated(ReadOnlySpan<byte> frameChunk, int width, int height)
    {
        var anmf = new byte[16 + frameChunk.Length];
        Write24(anmf.AsSpan(6), width - 1);
        Write24(anmf.AsSpan(9), height - 1);
        Write24(anmf.AsSpan(12), 100); // duration, ms
        frameChunk.CopyTo(anmf.AsSpan(16));
        return Riff(Vp8x(0x02, width, height), RiffChunk("ANIM", [0, 0, 0, 0, 0, 0]), RiffChunk("ANMF", anmf));
    }

    private static void Write24(Span<byte> destination, int value)
    {
        destination[0] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)(value >> 16);
    }

    private static byte[] EncodeLosslessRgba(byte[] rgba, int width, int height)
    {
        fixed (byte* source = rgba)
        {
            nuint size = WebPNative.WebPEncodeLosslessRGBA(source, width, height, width * 4, out var output);
            using (output)
            {
                Assert.True(size > 0);
                return new ReadOnlySpan<byte>(output.Pointer, (int)size).ToArray();
            }
        }
    }
}
