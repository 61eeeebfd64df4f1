namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>The colour types of a PNG image header (PNG spec §11.2.2).</summary>
internal enum PngColorType : byte
{
    Grayscale = 0,
    Rgb = 2,
    Palette = 3,
    GrayscaleAlpha = 4,
    Rgba = 6,
}
