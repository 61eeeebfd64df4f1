using System.Text;
using FluxServe.Server.Inputs;

namespace FluxServe.Server.Tests.Inputs;

/// <summary>Telling URLs, data URIs and raw base64 apart, and decoding against <see cref="Convert.FromBase64String"/>.</summary>
public sealed class ImageReferenceTests
{
    private static readonly byte[] Sample = [.. Enumerable.Range(0, 1000).Select(i => (byte)((i * 37) ^ (i >> 3)))];

    [Theory]
    [InlineData("http://example.com/a.png", "http://example.com/a.png")]
    [InlineData("  HTTPS://Example.com:8443/a b.png?x=1  ", "https://example.com:8443/a%20b.png?x=1")]
    public void Http_urls_are_urls(string value, string expected)
    {
        var reference = ImageReference.Parse(value, 100);
        Assert.Null(reference.Data);
        Assert.Equal(new Uri(expected), reference.Url);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(997)]
    [InlineData(998)]
    [InlineData(999)]
    public void Every_padding_case_decodes_in_both_alphabets(int length)
    {
        byte[] bytes = Sample[..(length == 0 ? 3 : length)];
        string standard = Convert.ToBase64String(bytes);
        foreach (string value in new[]
        {
            standard,
            standard.TrimEnd('='),
            standard.Replace('+', '-').Replace('/', '_'),
            standard.Replace('+', '-').Replace('/', '_').TrimEnd('='),
            string.Join("\r\n", standard.Chunk(76).Select(c => new string(c))),
            "data:application/octet-stream;base64," + standard,
            "data:;base64," + Uri.EscapeDataString(standard),
        })
        {
            Assert.Equal(Convert.FromBase64String(standard), ImageReference.Parse(value, 10_000).Data);
        }
    }

    [Fact]
    public void Size_cap_counts_decoded_bytes_from_the_encoded_length()
    {
        string encoded = Convert.ToBase64String(Sample); // 1000 bytes
        Assert.Equal(1000, ImageReference.Parse(encoded, 1000).Data!.Length);
        var refusal = Assert.Throws<InputImageException>(() => ImageReference.Parse(encoded, 999));
        Assert.Equal(InputImageReason.TooLarge, refusal.Reason);
        Assert.Equal("redux_image is larger than the 999 bytes limit.", refusal.Message);
        // Whitespace does not count towards the size.
        Assert.Equal(1000, ImageReference.Parse(string.Join("\n \t", encoded.Chunk(10).Select(c => new string(c))), 1000).Data!.Length);
    }

    [Theory]
    [InlineData("", InputImageReason.Empty)]
    [InlineData("   ", InputImageReason.Empty)]
    [InlineData("file:///etc/passwd", InputImageReason.Scheme)]
    [InlineData("ftp://x/", InputImageReason.Scheme)]
    [InlineData("javascript:alert(1)", InputImageReason.Scheme)]
    [InlineData("localhost:8080/a.png", InputImageReason.Scheme)]
    [InlineData("http://", InputImageReason.Url)]
    [InlineData("http:///a.png", InputImageReason.Url)]
    [InlineData("example.com/a.png", InputImageReason.Base64)]
    [InlineData("AAAA===", InputImageReason.Base64)]
    [InlineData("AA=A", InputImageReason.Base64)]
    [InlineData("data:image/png,abc", InputImageReason.Base64)]
    [InlineData("data:image/png;base64", InputImageReason.Base64)]
    [InlineData("data:image/png;base64,", InputImageReason.Base64)]
    public void Refusals_carry_their_reason(string value, string reason)
    {
        var refusal = Assert.Throws<InputImageException>(() => ImageReference.Parse(value, 100));
        Assert.Equal(reason, refusal.Reason);
        Assert.Equal("redux_image", refusal.Field);
        Assert.EndsWith(".", refusal.Message);
    }

    [Fact]
    public void Data_is_never_echoed()
    {
        string secret = Convert.ToBase64String(Encoding.ASCII.GetBytes("secret-bytes")) + "!";
        var refusal = Assert.Throws<InputImageException>(() => ImageReference.Parse(secret, 100));
        Assert.DoesNotContain("c2VjcmV0", refusal.Message);
    }
}
