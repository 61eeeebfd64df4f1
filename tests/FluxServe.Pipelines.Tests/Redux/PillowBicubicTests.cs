using FluxServe.Pipelines.Redux;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>The HF-mode resize against Pillow 9.4's <c>Image.resize(size, BICUBIC)</c> (golden 8-bit values).</summary>
public sealed class PillowBicubicTests
{
    public static TheoryData<string> PillowCases() => [.. ReduxTestData.Cases("hf").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(PillowCases))]
    public void Matches_pillow_exactly(string name)
    {
        var c = ReduxTestData.Cases("hf").Single(x => x.Name == name);
        using var source = ReduxTestData.Pattern(c.Height, c.Width, c.Seed);
        using var resized = PillowBicubic.Resize(source, c.OutWidth, c.OutHeight);
        using var expected = ReduxTestData.Golden(name);
        Assert.Equal(expected.AsSpan<byte>().ToArray(), resized.Pixels.ToArray());
    }
}
