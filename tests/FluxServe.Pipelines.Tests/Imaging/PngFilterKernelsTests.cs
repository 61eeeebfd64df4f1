using System.Runtime.Intrinsics;
using FluxServe.Pipelines.Imaging.Png;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>
/// The PNG filter kernels at every vector width this machine runs (512, 256, 128 bits, scalar) against a plain
/// per-byte reference of the PNG spec §9 formulas, over many row lengths (so every tail length is exercised) and
/// pixel sizes.
/// </summary>
public sealed class PngFilterKernelsTests
{
    public static TheoryData<int> Widths()
    {
        var widths = new TheoryData<int> { 0 };
        if (Vector128.IsHardwareAccelerated)
        {
            widths.Add(128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            widths.Add(256);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            widths.Add(512);
        }

        return widths;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Filter_matches_the_reference_for_every_filter_length_and_pixel_size(int vectorBits)
    {
        var random = new Random(11);
        foreach (int bpp in (int[])[1, 2, 3, 4, 6, 8])
        {
            for (int length = 1; length <= 200; length++)
            {
                var (row, previous) = RandomRows(random, length);
                for (int f = 0; f < 5; f++)
                {
                    var expected = ReferenceFilter(f, row, previous, bpp);
                    var actual = new byte[length];
                    PngFilterKernels.Filter((PngFilterType)f, row, previous, bpp, actual, vectorBits);
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"filter {f}, bpp {bpp}, length {length}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Costs_are_the_sums_of_signed_magnitudes_of_each_filtered_row(int vectorBits)
    {
        var random = new Random(12);
        Span<uint> costs = stackalloc uint[5];
        foreach (int bpp in (int[])[1, 3, 4, 8])
        {
            // Up to 40 000 bytes: past the 128-vector flush of the 16-bit counters at every width.
            foreach (int length in (int[])[1, 2, 3, 5, 63, 64, 65, 127, 129, 1000, 8191, 8192 * 3 + 7, 40_000])
            {
                var (row, previous) = RandomRows(random, length);
                if (length == 40_000)
                {
                    // Worst case for the counters: every filtered byte of "None" has magnitude 128.
                    row.AsSpan().Fill(0x80);
                }

                PngFilterKernels.ComputeCosts(row, previous, bpp, costs, vectorBits);
                for (int f = 0; f < 5; f++)
                {
                    uint expected = 0;
                    foreach (byte value in ReferenceFilter(f, row, previous, bpp))
                    {
                        expected += (uint)Math.Min(value, 256 - value);
                    }

                    Assert.True(expected == costs[f], $"filter {f}, bpp {bpp}, length {length}: {costs[f]} != {expected}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Unfilter_inverts_the_reference_filter(int vectorBits)
    {
        var random = new Random(13);
        foreach (int bpp in (int[])[1, 2, 3, 4, 6, 8])
        {
            for (int length = 1; length <= 150; length++)
            {
                var (row, previous) = RandomRows(random, length);
                for (int f = 0; f < 5; f++)
                {
                    var filtered = ReferenceFilter(f, row, previous, bpp);
                    PngFilterKernels.Unfilter((PngFilterType)f, filtered, previous, bpp, vectorBits);
                    Assert.True(row.AsSpan().SequenceEqual(filtered), $"filter {f}, bpp {bpp}, length {length}");
                }
            }
        }
    }

    [Fact]
    public void Paeth_predictor_matches_the_spec_for_every_input()
    {
        for (int a = 0; a < 256; a += 3)
        {
            for (int b = 0; b < 256; b += 5)
            {
                for (int c = 0; c < 256; c++)
                {
                    Assert.Equal(ReferencePaeth(a, b, c), PngFilterKernels.Paeth(a, b, c));
                }
            }
        }
    }

    [Fact]
    public void ChooseFilter_takes_the_cheapest_filter()
    {
        // A horizontal ramp: Sub leaves constant small differences. A vertical copy of the row above: Up gives zeros.
        var ramp = new byte[300];
        for (int i = 0; i < ramp.Length; i++)
        {
            ramp[i] = (byte)(i * 7 / 3);
        }

        Assert.Equal(PngFilterType.Sub, PngFilterKernels.ChooseFilter(ramp, new byte[300], 3));
        var noise = new byte[300];
        new Random(5).NextBytes(noise);
        Assert.Equal(PngFilterType.Up, PngFilterKernels.ChooseFilter(noise, noise, 3));
        Assert.Equal(PngFilterType.None, PngFilterKernels.ChooseFilter(new byte[300], noise, 3));
    }

    private static (byte[] Row, byte[] Previous) RandomRows(Random random, int length)
    {
        var row = new byte[length];
        var previous = new byte[length];
        random.NextBytes(row);
        random.NextBytes(previous);
        return (row, previous);
    }

    private static byte[] ReferenceFilter(int filter, byte[] row, byte[] previous, int bpp)
    {
        var output = new byte[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
            int predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => ReferencePaeth(a, b, c) };
            output[i] = (byte)(row[i] - predictor);
        }

        return output;
    }

    /// <summary>PNG spec §9.4, literally.</summary>
    private static int ReferencePaeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }
}
