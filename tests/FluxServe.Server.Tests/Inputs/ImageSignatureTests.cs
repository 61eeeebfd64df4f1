using FluxServe.Server.Generation;
using FluxServe.Server.Inputs;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests.Inputs;

/// <summary>Magic bytes of the three accepted formats, from their specifications (JPEG SOI, PNG signature, RIFF/WEBP).</summary>
public sealed class ImageSignatureTests
{
    [Fact]
    public void Formats_are_recognised_by_their_first_bytes()
    {
        Assert.Equal(ImageFormat.Png, ImageSignature.Detect(PngEncoder.Encode(2, 2, (_, _) => (1, 2, 3))));
        Assert.Equal(ImageFormat.Jpeg, ImageSignature.Detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
        Assert.Equal(ImageFormat.WebP, ImageSignature.Detect("RIFF\x24\0\0\0WEBPVP8 "u8));
    }

    [Fact]
    public void Anything_else_is_not_an_image()
    {
        Assert.Null(ImageSignature.Detect([]));
        Assert.Null(ImageSignature.Detect([0xFF, 0xD8]));
        Assert.Null(ImageSignature.Detect("GIF89a"u8));
        Assert.Null(ImageSignature.Detect("RIFF\x24\0\0\0WAVEfmt "u8));
        Assert.Null(ImageSignature.Detect("RIFF\x24\0\0\0WEB"u8));
        Assert.Null(ImageSignature.Detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00]));
        Assert.Null(ImageSignature.Detect("<html>"u8));
    }
}
