using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// Files written by Debian's own tools (ImageMagick/libpng, cjpeg, cwebp; <c>Data/make_tools_corpus.sh</c>) decode
/// to the pixels those tools' decoders produce (Pillow, djpeg, dwebp). PNG and lossless WebP must match exactly;
/// lossy files within one level (today they match exactly), so that a library update that changes a rounding does
/// not fail the build.
/// </summary>
public sealed class ToolsCorpusTests
{
    private static string Folder => Path.Combine(Path.GetDirectoryName(ImagingTestData.PngCorpusFolder)!, "tools-corpus");

    public static TheoryData<string> Files()
    {
        var files = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Folder).Where(p => !p.EndsWith(".rgb", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetFileName(path));
        }

        return files;
    }

    [Fact]
    public void Corpus_is_complete() => Assert.Equal(17, Files().Count);

    [Theory]
    [MemberData(nameof(Files))]
    public void Decodes_like_the_tools_decoder(string file)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(Folder, file));
        byte[] expected = File.ReadAllBytes(Path.Combine(Folder, Path.ChangeExtension(file, ".rgb")));
        using var image = ImageDecoder.Decode(data);
        Assert.Equal((61, 45), (image.Width, image.Height));
        bool lossy = file.EndsWith(".jpg", StringComparison.Ordinal) || (file.EndsWith(".webp", StringComparison.Ordinal) && !file.Contains("lossless", StringComparison.Ordinal));
        var actual = image.Pixels;
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0, differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, d);
            differing += d > 0 ? 1 : 0;
        }

        Assert.True(worst <= (lossy ? 1 : 0), $"{differing} samples differ, by up to {worst}");
    }
}
