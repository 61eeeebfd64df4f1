using FluxServe.Pipelines.Imaging;
using PipelineImages = FluxServe.Pipelines.TextToImage.GeneratedImages;

namespace FluxServe.Server.Generation;

/// <summary>Encodes a pipeline's images in the format the client asked for.</summary>
internal static class OutputEncoding
{
    public static List<GeneratedImage> Encode(PipelineImages result, ImageFormat format, int quality)
    {
        var codec = format switch
        {
            ImageFormat.Png => Pipelines.Imaging.ImageFormat.Png,
            ImageFormat.WebP => Pipelines.Imaging.ImageFormat.WebP,
            _ => Pipelines.Imaging.ImageFormat.Jpeg,
        };
        var encoded = new List<GeneratedImage>(result.Images.Count);
        foreach (var image in result.Images)
        {
            encoded.Add(new GeneratedImage(ImageEncoder.Encode(image, codec, quality), format));
        }

        return encoded;
    }
}
