using BenchmarkDotNet.Attributes;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Benchmarks;

/// <summary>
/// Image codecs on a 1024×1024 photograph-like picture (<see cref="CodecBenchmarkImage"/>): JPEG quality 90
/// (libjpeg-turbo, the baseline), PNG (FluxServe's encoder over zlib-ng), WebP lossy quality 90 and lossless
/// (libwebp), and decoding each back. Encoders write into a reused stream, so the figures are the codecs' own.
/// </summary>
/// <remarks>
/// When <c>FLUXSERVE_CODEC_PPM</c> names a path, the setup also writes the picture there as a PPM, so that
/// <c>scripts/bench-jpeg-peer.sh</c> times <c>cjpeg</c>, <c>cwebp</c>, ImageMagick and Pillow on the same pixels, and
/// FluxServe's encoded files beside it (<c>PATH.fluxserve*.jpg|png|webp</c>) for their sizes.
/// </remarks>
[MemoryDiagnoser]
public class CodecBenchmarks : IDisposable
{
    private readonly MemoryStream _output = new(8 * 1024 * 1024);
    private RgbImage _image = null!;
    private byte[] _jpeg = [];
    private byte[] _png = [];
    private byte[] _webp = [];

    [GlobalSetup]
    public void Setup()
    {
        _image = CodecBenchmarkImage.Create();
        _jpeg = ImageEncoder.Encode(_image, ImageFormat.Jpeg, 90);
        _png = ImageEncoder.Encode(_image, ImageFormat.Png);
        _webp = ImageEncoder.Encode(_image, ImageFormat.WebP, 90);
        string? ppm = Environment.GetEnvironmentVariable("FLUXSERVE_CODEC_PPM");
        if (!string.IsNullOrEmpty(ppm))
        {
            CodecBenchmarkImage.WritePpm(_image, ppm);
            File.WriteAllBytes(ppm + ".fluxserve-q90.jpg", _jpeg);
            File.WriteAllBytes(ppm + ".fluxserve.png", _png);
            File.WriteAllBytes(ppm + ".fluxserve-q90.webp", _webp);
            File.WriteAllBytes(ppm + ".fluxserve-lossless.webp", ImageEncoder.Encode(_image, ImageFormat.WebP, lossless: true));
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _image?.Dispose();
        _output.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public long JpegEncodeQuality90() => Encode(ImageFormat.Jpeg, 90, lossless: false);

    [Benchmark]
    public long PngEncode() => Encode(ImageFormat.Png, 90, lossless: false);

    [Benchmark]
    public long WebPEncodeQuality90() => Encode(ImageFormat.WebP, 90, lossless: false);

    [Benchmark]
    public long WebPEncodeLossless() => Encode(ImageFormat.WebP, 90, lossless: true);

    [Benchmark]
    public int JpegDecode() => Decode(_jpeg);

    [Benchmark]
    public int PngDecode() => Decode(_png);

    [Benchmark]
    public int WebPDecode() => Decode(_webp);

    private long Encode(ImageFormat format, int quality, bool lossless)
    {
        _output.SetLength(0);
        ImageEncoder.Encode(_image, format, _output, quality, lossless);
        return _output.Length;
    }

    private static int Decode(byte[] file)
    {
        using var image = ImageDecoder.Decode(file);
        return image.Pixels[^1];
    }
}
