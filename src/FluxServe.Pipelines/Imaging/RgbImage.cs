using System.Buffers;

namespace FluxServe.Pipelines.Imaging;

/// <summary>
/// An 8-bit RGB image: <see cref="Height"/> rows of <see cref="Width"/> pixels, each pixel three bytes R, G, B,
/// rows packed top to bottom with no padding (<see cref="Stride"/> = 3 × width).
/// </summary>
/// <remarks>
/// The pixels live in an array rented from <see cref="ArrayPool{T}.Shared"/> (or, through <see cref="Wrap"/>, in
/// the caller's array); <see cref="Dispose"/> returns a rented array to the pool, after which the image must not be
/// used. Not thread-safe for concurrent writes, like any buffer.
/// </remarks>
public sealed class RgbImage : IDisposable
{
    /// <summary>The largest number of pixels one image may hold: its bytes must fit in one .NET array.</summary>
    public const long MaxPixelCount = 0x7FFFFFC7 / 3;

    private byte[]? _pixels;
    private readonly bool _pooled;

    private RgbImage(byte[] pixels, int width, int height, bool pooled)
    {
        _pixels = pixels;
        _pooled = pooled;
        Width = width;
        Height = height;
    }

    /// <summary>Creates a black image whose pixels are rented from the shared array pool.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    public RgbImage(int width, int height)
        : this(RentArray(width, height), width, height, pooled: true)
    {
        Pixels.Clear();
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The bytes from one row to the next: <c>3 × Width</c>.</summary>
    public int Stride => Width * 3;

    /// <summary>The number of pixel bytes: <c>3 × Width × Height</c>.</summary>
    public int ByteCount => Width * Height * 3;

    /// <summary>All pixels, row after row, R G B per pixel.</summary>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public Span<byte> Pixels => Array().AsSpan(0, ByteCount);

    /// <summary>Row <paramref name="y"/> (0 = top): <see cref="Stride"/> bytes.</summary>
    public Span<byte> GetRow(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Array().AsSpan(y * Stride, Stride);
    }

    /// <summary>
    /// Wraps <paramref name="pixels"/> (not copied, not pooled): the image reads and writes the caller's array, whose
    /// first <c>3 × width × height</c> bytes are the pixels.
    /// </summary>
    public static RgbImage Wrap(byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long bytes = CheckedByteCount(width, height);
        if (pixels.Length < bytes)
        {
            throw new ArgumentException($"A {width}×{height} RGB image needs {bytes} bytes; the array has {pixels.Length}.", nameof(pixels));
        }

        return new RgbImage(pixels, width, height, pooled: false);
    }

    /// <summary>Rents the pixels without clearing them: for decoders, which write every byte.</summary>
    internal static RgbImage RentUninitialized(int width, int height) => new(RentArray(width, height), width, height, pooled: true);

    /// <summary>Returns the pixels to the pool (when rented). Safe to call more than once.</summary>
    public void Dispose()
    {
        var pixels = Interlocked.Exchange(ref _pixels, null);
        if (pixels is not null && _pooled)
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }

    private byte[] Array() => _pixels ?? throw new ObjectDisposedException(nameof(RgbImage));

    private static byte[] RentArray(int width, int height) => ArrayPool<byte>.Shared.Rent((int)CheckedByteCount(width, height));

    private static long CheckedByteCount(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long pixels = (long)width * height;
        if (pixels > MaxPixelCount)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}×{height} image has more than {MaxPixelCount} pixels, the most one RgbImage holds.");
        }

        return pixels * 3;
    }
}
