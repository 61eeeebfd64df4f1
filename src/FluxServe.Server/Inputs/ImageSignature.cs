using FluxServe.Server.Generation;

namespace FluxServe.Server.Inputs;

/// <summary>Recognises an image file by its first bytes (JPEG SOI marker, PNG signature, RIFF/WEBP header).</summary>
public static class ImageSignature
{
    /// <summary>The format whose signature <paramref name="bytes"/> starts with, or null for anything else.</summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ImageFormat.Jpeg;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        return null;
    }
}
