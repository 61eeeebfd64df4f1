using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.TextToImage;

/// <summary>The images of one request, with what was used to make them.</summary>
/// <param name="Images">One 8-bit RGB image per sample (owned by the receiver).</param>
/// <param name="Seed">The seed used.</param>
/// <param name="ModelEvaluations">Transformer passes run.</param>
/// <param name="Elapsed">Wall time of the generation.</param>
public sealed record GeneratedImages(IReadOnlyList<RgbImage> Images, ulong Seed, int ModelEvaluations, TimeSpan Elapsed) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var image in Images)
        {
            image.Dispose();
        }
    }
}
