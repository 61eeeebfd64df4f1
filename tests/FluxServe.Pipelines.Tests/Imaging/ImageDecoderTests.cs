using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>Format sniffing, the decode limits, stream decoding, <see cref="RgbImage"/> and the encoder's arguments.</summary>
public sealed class ImageDecoderTests
{
    [Theory]
    [InlineData("png", ImageFormat.Png)]
    [InlineData("jpeg", ImageFormat.Jpeg)]
    [InlineData("webp-lossy", ImageFormat.WebP)]
    [InlineData("webp-lossless", ImageFormat.WebP)]
    public void Formats_are_recognised_by_their_magic_bytes(string kind, ImageFormat format)
    {
        byte[] file = ImageDecoderSafetyTests.ValidFile(kind, 5, 3);
        Assert.Equal(format, ImageDecoder.DetectFormat(file));
        Assert.Equal(new ImageInfo(format, 5, 3), ImageDecoder.Identify(file));
    }

    [Theory]
    [InlineData(new byte[0], "the file is empty")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E }, "truncated PNG signature")]
    [InlineData(new byte[] { 0xFF, 0xD8 }, "truncated JPEG signature")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2 }, "truncated RIFF (WebP) header")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0 }, "GIF images are not supported")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 4, 0, 0, 0, 0x57, 0x41, 0x56, 0x45 }, "format is not recognised")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "format is not recognised (send JPEG, PNG or WebP)")]
    public void Unrecognised_files_are_refused_with_a_reason(byte[] file, string reason)
    {
        var e = Assert.ThrowsAny<ImageFormatException>(() => ImageDecoder.Decode(file).Dispose());
        Assert.Null(e.Format);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid image: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    [InlineData("webp-lossy")]
    [InlineData("webp-lossless")]
    public void Each_limit_is_enforced_at_its_boundary(string kind)
    {
        byte[] file = ImageDecoderSafetyTests.ValidFile(kind, 30, 20);
        var exact = new DecodeLimits { MaxWidth = 30, MaxHeight = 20, MaxPixels = 600, MaxBytes = file.Length };
        ImageDecoder.Decode(file, exact).Dispose();
        foreach (var tight in (DecodeLimits[])[exact with { MaxWidth = 29 }, exact with { MaxHeight = 19 }, exact with { MaxPixels = 599 }, exact with { MaxBytes = file.Length - 1 }])
        {
            var e = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.Decode(file, tight).Dispose());
            Assert.Equal(ImageDecoder.DetectFormat(file), e.Format);
        }
    }

    [Fact]
    public void Limits_must_be_positive()
    {
        byte[] file = ImageDecoderSafetyTests.ValidFile("png", 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(file, new DecodeLimits { MaxPixels = 0 }));
    }

    [Fact]
    public async Task Stream_decoding_matches_span_decoding_and_stops_at_the_byte_limit()
    {
        byte[] file = ImageDecoderSafetyTests.ValidFile("png", 300, 200);
        using var expected = ImageDecoder.Decode(file);
        using (var image = await ImageDecoder.DecodeAsync(new TrickleStream(file, 1000), DecodeLimits.Default))
        {
            Assert.Equal(ImagingTestData.ToArray(expected), ImagingTestData.ToArray(image));
        }

        using (var image = await ImageDecoder.DecodeAsync(new MemoryStream(file), DecodeLimits.Default))
        {
            Assert.Equal(ImagingTestData.ToArray(expected), ImagingTestData.ToArray(image));
        }

        var seekable = new MemoryStream(file);
        var small = new DecodeLimits { MaxBytes = file.Length - 1 };
        await Assert.ThrowsAsync<ImageTooLargeException>(async () => (await ImageDecoder.DecodeAsync(seekable, small)).Dispose());
        Assert.Equal(0, seekable.Position); // refused from its length, unread

        var endless = new TrickleStream(file, 4096, repeatForever: true);
        var limits = new DecodeLimits { MaxBytes = 100_000 };
        var e = await Assert.ThrowsAsync<ImageTooLargeException>(async () => (await ImageDecoder.DecodeAsync(endless, limits)).Dispose());
        Assert.Equal(ImageFormat.Png, e.Format);
        Assert.InRange(endless.BytesRead, 100_001, 100_000 + 4096);
    }

    [Fact]
    public void Rgb_image_rents_clears_wraps_and_disposes()
    {
        var image = new RgbImage(7, 5);
        Assert.Equal(21, image.Stride);
        Assert.Equal(105, image.ByteCount);
        Assert.True(image.Pixels.IndexOfAnyExcept((byte)0) < 0);
        image.GetRow(4).Fill(9);
        Assert.Equal(9, image.Pixels[^1]);
        Assert.Equal(0, image.Pixels[83]);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetRow(5));
        image.Dispose();
        image.Dispose();
        Assert.Throws<ObjectDisposedException>(() => image.Pixels.Length);

        var pixels = new byte[12];
        using var wrapped = RgbImage.Wrap(pixels, 2, 2);
        wrapped.Pixels[0] = 42;
        Assert.Equal(42, pixels[0]);
        Assert.Throws<ArgumentException>(() => RgbImage.Wrap(new byte[11], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(65536, 65536));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Quality_outside_0_to_100_is_refused(int quality)
    {
        using var image = new RgbImage(2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageEncoder.Encode(image, ImageFormat.Jpeg, quality));
    }

    [Fact]
    public void Encoding_to_a_stream_writes_the_same_bytes()
    {
        using var image = ImagingTestData.PhotoLike(50, 40, 2);
        foreach (var format in Enum.GetValues<ImageFormat>())
        {
            var stream = new MemoryStream();
            stream.WriteByte(0xAB);
            ImageEncoder.Encode(image, format, stream, 80);
            Assert.Equal(ImageEncoder.Encode(image, format, 80), stream.ToArray()[1..]);
            Assert.StartsWith("image/", ImageEncoder.GetMediaType(format), StringComparison.Ordinal);
            Assert.Equal(format, ImageDecoder.DetectFormat(stream.ToArray().AsSpan(1)));
        }
    }

    [Fact]
    public void Concurrent_encoding_and_decoding_give_the_same_results()
    {
        using var image = ImagingTestData.PhotoLike(96, 64, 3);
        var formats = Enum.GetValues<ImageFormat>();
        var expected = formats.Select(f => ImageEncoder.Encode(image, f, 85)).ToArray();
        Parallel.For(0, 48, i =>
        {
            int f = i % formats.Length;
            byte[] file = ImageEncoder.Encode(image, formats[f], 85);
            Assert.Equal(expected[f], file);
            using var decoded = ImageDecoder.Decode(file);
            Assert.Equal(96, decoded.Width);
        });
    }

    /// <summary>A non-seekable stream handing out at most <c>chunk</c> bytes per read, optionally repeating forever.</summary>
    private sealed class TrickleStream(byte[] data, int chunk, bool repeatForever = false) : Stream
    {
        private int _position;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position == data.Length)
            {
                if (!repeatForever)
                {
                    return 0;
                }

                _position = 0;
            }

            int n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            BytesRead += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
