using System.Buffers;
using FluxServe.Pipelines.Imaging.Jpeg;
using FluxServe.Pipelines.Imaging.Png;
using FluxServe.Pipelines.Imaging.WebP;

namespace FluxServe.Pipelines.Imaging;

/// <summary>
/// Decodes JPEG, PNG and WebP files (recognised by their magic bytes, whatever the name or media type says) to
/// <see cref="RgbImage"/>s, safely: the file size and the header's dimensions are checked against
/// <see cref="DecodeLimits"/> before any pixel memory is allocated, and every malformed, truncated or unsupported
/// file ends in an <see cref="ImageFormatException"/> (<see cref="ImageTooLargeException"/> for the limits).
/// </summary>
/// <remarks>
/// Alpha channels are dropped: the colour samples are kept as stored, as Pillow's <c>convert("RGB")</c> (and thus
/// ComfyUI's and diffusers' image loading) does. Grey images are replicated to R = G = B. PNG: every colour type,
/// bit depth (16-bit samples rounded to 8) and Adam7 interlacing. JPEG: baseline, progressive and arithmetic-coded,
/// YCbCr/RGB/grey; CMYK and YCCK are refused. WebP: lossy, lossless and extended still images; animations are refused.
/// Thread-safe: every call uses its own decoder.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>The format <paramref name="data"/> is in, from its first bytes; null when it is none of the three.</summary>
    public static ImageFormat? DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngDecoder.Signature))
        {
            return ImageFormat.Png;
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        return null;
    }

    /// <summary>Reads the format and dimensions from the header, without decoding pixels.</summary>
    /// <exception cref="ImageFormatException">The format is not recognised or the header is malformed.</exception>
    public static ImageInfo Identify(ReadOnlySpan<byte> data) => RequireFormat(data) switch
    {
        ImageFormat.Jpeg => JpegCodec.Identify(data),
        ImageFormat.Png => PngDecoder.Identify(data),
        _ => WebPCodec.Identify(data),
    };

    /// <summary>Decodes <paramref name="data"/> within <see cref="DecodeLimits.Default"/>.</summary>
    /// <inheritdoc cref="Decode(ReadOnlySpan{byte}, DecodeLimits)"/>
    public static RgbImage Decode(ReadOnlySpan<byte> data) => Decode(data, DecodeLimits.Default);

    /// <summary>Decodes a JPEG, PNG or WebP file to RGB.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="limits">The largest file and image accepted.</param>
    /// <returns>The image; the caller disposes it.</returns>
    /// <exception cref="ImageTooLargeException">The file or the declared image exceeds <paramref name="limits"/>.</exception>
    /// <exception cref="ImageFormatException">The format is not recognised, or the file is malformed, truncated,
    /// corrupt or uses a refused feature.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> data, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        limits.EnsureFileSize(DetectFormat(data), data.Length);
        return RequireFormat(data) switch
        {
            ImageFormat.Jpeg => JpegCodec.Decode(data, limits),
            ImageFormat.Png => PngDecoder.Decode(data, limits),
            _ => WebPCodec.Decode(data, limits),
        };
    }

    /// <summary>
    /// Reads a file from <paramref name="source"/> to its end, refusing it as soon as it passes
    /// <see cref="DecodeLimits.MaxBytes"/>, and decodes it.
    /// </summary>
    /// <inheritdoc cref="Decode(ReadOnlySpan{byte}, DecodeLimits)"/>
    /// <param name="source">A readable stream, read from its current position.</param>
    /// <param name="limits">The largest file and image accepted.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    public static async ValueTask<RgbImage> DecodeAsync(Stream source, DecodeLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        long? remaining = source.CanSeek ? Math.Max(source.Length - source.Position, 0) : null;
        if (remaining > limits.MaxBytes)
        {
            // A seekable stream says its size up front: refuse without reading (the format is not known yet).
            limits.EnsureFileSize(null, remaining.Value);
        }

        int capacity = (int)Math.Min(limits.MaxBytes + 1, remaining + 1 ?? 64 * 1024);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 4096));
        int count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    limits.EnsureFileSize(DetectFormat(buffer), count);
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await source.ReadAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                count += read;
                limits.EnsureFileSize(DetectFormat(buffer.AsSpan(0, count)), count);
            }

            return Decode(buffer.AsSpan(0, count), limits);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImageFormat RequireFormat(ReadOnlySpan<byte> data) =>
        DetectFormat(data) ?? throw new ImageFormatException(null, DescribeUnknown(data));

    /// <summary>Why an unrecognised file is refused: empty, a truncated signature, another known format, or unknown.</summary>
    private static string DescribeUnknown(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return "the file is empty";
        }

        if (data.Length < PngDecoder.Signature.Length && PngDecoder.Signature.StartsWith(data) && data.Length >= 2)
        {
            return "the file is a truncated PNG signature";
        }

        if (data.Length < 3 && data[0] == 0xFF && (data.Length == 1 || data[1] == 0xD8))
        {
            return "the file is a truncated JPEG signature";
        }

        if (data.Length < 12 && "RIFF"u8.StartsWith(data[..Math.Min(data.Length, 4)]))
        {
            return "the file is a truncated RIFF (WebP) header";
        }

        string? other = data switch
        {
            _ when data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8) => "GIF",
            _ when data.StartsWith("BM"u8) => "BMP",
            _ when data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) => "TIFF",
            _ when data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8) => "HEIF/AVIF",
            _ => null,
        };
        return other is null
            ? "the format is not recognised (send JPEG, PNG or WebP)"
            : $"{other} images are not supported (send JPEG, PNG or WebP)";
    }
}
