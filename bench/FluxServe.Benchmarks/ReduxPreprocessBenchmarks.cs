using BenchmarkDotNet.Attributes;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Redux;

namespace FluxServe.Benchmarks;

/// <summary>
/// SigLIP preprocessing of one picture (<see cref="ReduxBenchmarkCase.CreateImage"/>) to normalised 384² pixels in
/// both modes: ComfyUI's (antialiased bicubic of the short side to 384, centre crop, 8-bit rounding) and HF's (Pillow
/// bicubic straight to 384²). The tower and embedder are timed by <c>redux-quick</c>: seconds per call on two cores
/// are too slow for BenchmarkDotNet's default iteration counts.
/// </summary>
[MemoryDiagnoser]
public class ReduxPreprocessBenchmarks : IDisposable
{
    private RgbImage? _image;

    /// <summary>Input size as width x height: the quick mode's 1024x768 and a 12-megapixel phone photo.</summary>
    [Params("1024x768", "4032x3024")]
    public string Size { get; set; } = "1024x768";

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Size.Split('x');
        _image = ReduxBenchmarkCase.CreateImage(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _image?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void ComfyUi() => SiglipImageProcessor.ToPixels(_image!, SiglipPreprocessing.ComfyUi).Dispose();

    [Benchmark]
    public void HuggingFace() => SiglipImageProcessor.ToPixels(_image!, SiglipPreprocessing.HuggingFace).Dispose();
}
