using System.Runtime.InteropServices;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Imaging.Jpeg;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// JPEG through libjpeg-turbo: lossy round trips within a PSNR bound, the quality scale, flat colours reproduced,
/// grey/progressive files written with TurboJPEG directly, and CMYK refused.
/// </summary>
public sealed unsafe class JpegCodecTests
{
    [Theory]
    [InlineData(256, 256, 32.0)]
    [InlineData(97, 31, 28.0)]
    [InlineData(1, 1, 45.0)]
    public void Quality_90_round_trip_is_close(int width, int height, double minPsnr)
    {
        using var source = ImagingTestData.PhotoLike(width, height, 7);
        byte[] jpeg = ImageEncoder.Encode(source, ImageFormat.Jpeg, quality: 90);
        Assert.Equal(ImageFormat.Jpeg, ImageDecoder.DetectFormat(jpeg));
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, width, height), ImageDecoder.Identify(jpeg));
        using var decoded = ImageDecoder.Decode(jpeg);
        double psnr = ImagingTestData.Psnr(source, decoded);

        // Bounds about 1.5 dB under the measured PSNR: the small image is mostly hard-edged discs, whose colour
        // edges 4:2:0 subsampling blurs.
        Assert.True(psnr > minPsnr, $"PSNR {psnr:F2} dB");
    }

    [Fact]
    public void Higher_quality_gives_larger_files_and_higher_psnr()
    {
        using var source = ImagingTestData.PhotoLike(128, 128, 8);
        double lastPsnr = 0;
        int lastSize = 0;
        foreach (int quality in (int[])[10, 50, 75, 90, 100])
        {
            byte[] jpeg = ImageEncoder.Encode(source, ImageFormat.Jpeg, quality);
            using var decoded = ImageDecoder.Decode(jpeg);
            double psnr = ImagingTestData.Psnr(source, decoded);
            Assert.True(psnr > lastPsnr, $"quality {quality}: {psnr:F2} dB");
            Assert.True(jpeg.Length > lastSize, $"quality {quality}: {jpeg.Length} bytes");
            (lastPsnr, lastSize) = (psnr, jpeg.Length);
        }

        // Quality 0 is written as libjpeg's lowest, 1.
        Assert.Equal(ImageEncoder.Encode(source, ImageFormat.Jpeg, 1), ImageEncoder.Encode(source, ImageFormat.Jpeg, 0));
    }

    [Theory]
    [InlineData(200, 100, 50)]
    [InlineData(0, 0, 0)]
    [InlineData(255, 255, 255)]
    [InlineData(13, 250, 128)]
    public void A_flat_colour_comes_back_within_two_levels(byte r, byte g, byte b)
    {
        using var source = new RgbImage(40, 24);
        var pixels = source.Pixels;
        for (int i = 0; i < pixels.Length; i += 3)
        {
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        }

        using var decoded = ImageDecoder.Decode(ImageEncoder.Encode(source, ImageFormat.Jpeg, 95));
        var output = decoded.Pixels;
        for (int i = 0; i < output.Length; i += 3)
        {
            Assert.InRange(output[i], r - 2, r + 2);
            Assert.InRange(output[i + 1], g - 2, g + 2);
            Assert.InRange(output[i + 2], b - 2, b + 2);
        }
    }

    [Fact]
    public void Progressive_file_decodes_like_the_baseline_file()
    {
        using var source = ImagingTestData.PhotoLike(120, 80, 9);
        byte[] baseline = CompressDirectly(source, TurboJpegNative.PixelFormatRgb, TurboJpegNative.Subsampling420, 0);
        byte[] progressive = CompressDirectly(source, TurboJpegNative.PixelFormatRgb, TurboJpegNative.Subsampling420, TurboJpegNative.FlagProgressive);
        Assert.NotEqual(baseline, progressive);
        using var a = ImageDecoder.Decode(baseline);
        using var b = ImageDecoder.Decode(progressive);

        // Progressive scans carry the same quantised coefficients, so the pixels are identical.
        Assert.Equal(ImagingTestData.ToArray(a), ImagingTestData.ToArray(b));
        Assert.True(ImagingTestData.Psnr(source, b) > 30);
    }

    [Fact]
    public void Grey_file_decodes_to_equal_channels_near_the_luma()
    {
        using var source = ImagingTestData.PhotoLike(64, 48, 10);
        byte[] grey = CompressDirectly(source, TurboJpegNative.PixelFormatRgb, TurboJpegNative.SubsamplingGray, 0);
        using var decoded = ImageDecoder.Decode(grey);
        var s = source.Pixels;
        var d = decoded.Pixels;
        double error = 0;
        for (int i = 0; i < d.Length; i += 3)
        {
            Assert.Equal(d[i], d[i + 1]);
            Assert.Equal(d[i], d[i + 2]);
            double luma = (0.299 * s[i]) + (0.587 * s[i + 1]) + (0.114 * s[i + 2]); // JFIF's Y
            error += Math.Abs(d[i] - luma);
        }

        Assert.True(error / (d.Length / 3) < 3, $"mean |grey − luma| = {error / (d.Length / 3):F2}");
    }

    [Fact]
    public void Cmyk_file_is_refused_clearly()
    {
        using var source = ImagingTestData.PhotoLike(16, 16, 11);
        var cmyk = new byte[16 * 16 * 4];
        new Random(1).NextBytes(cmyk);
        byte[] file;
        using (var handle = TurboJpegNative.tjInitCompress())
        {
            file = Compress(handle, cmyk, 16, 16 * 4, 16, TurboJpegNative.PixelFormatCmyk, TurboJpegNative.Subsampling444, 0);
        }

        var e = Assert.Throws<ImageFormatException>(() => ImageDecoder.Decode(file).Dispose());
        Assert.Equal(ImageFormat.Jpeg, e.Format);
        Assert.Contains("CMYK", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Larger_than_jpeg_allows_is_refused_before_encoding()
    {
        using var wide = new RgbImage(JpegCodec.MaxDimension + 1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageEncoder.Encode(wide, ImageFormat.Jpeg));
    }

    private static byte[] CompressDirectly(RgbImage source, int pixelFormat, int subsampling, int flags)
    {
        using var handle = TurboJpegNative.tjInitCompress();
        return Compress(handle, source.Pixels.ToArray(), source.Width, source.Stride, source.Height, pixelFormat, subsampling, flags);
    }

    private static byte[] Compress(TurboJpegHandle handle, byte[] pixels, int width, int pitch, int height, int pixelFormat, int subsampling, int flags)
    {
        fixed (byte* source = pixels)
        {
            byte* output = null;
            CULong size;
            int status = TurboJpegNative.tjCompress2(handle, source, width, pitch, height, pixelFormat, &output, &size, subsampling, 90, flags);
            Assert.True(status == 0, Marshal.PtrToStringUTF8((nint)TurboJpegNative.tjGetErrorStr2(handle)));
            try
            {
                return new ReadOnlySpan<byte>(output, (int)size.Value).ToArray();
            }
            finally
            {
                TurboJpegNative.tjFree(output);
            }
        }
    }
}
