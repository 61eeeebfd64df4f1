using System.Collections.Frozen;

namespace FluxServe.Server.Catalog;

/// <summary>Resolves an <c>aspect_ratio</c> to a size of about one megapixel with sides that are multiples of 64.</summary>
/// <remarks>
/// The pages promise "about one megapixel, sides multiples of 64". The rule: among sizes whose sides are multiples of
/// 64 and whose area is within 10 % of 1,048,576 pixels, take the one whose ratio is closest to the requested one
/// (in log space), ties to the area nearest one megapixel. 1:1 gives 1024x1024, 16:9 gives 1344x768.
/// </remarks>
public static class AspectRatios
{
    /// <summary>Every ratio any endpoint accepts.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21", "5:8", "8:5", "9:19", "19:9",
    ];

    private static readonly FrozenDictionary<string, (int Width, int Height)> Sizes =
        All.ToFrozenDictionary(r => r, Compute, StringComparer.Ordinal);

    /// <summary>The size for <paramref name="ratio"/> ("W:H").</summary>
    /// <exception cref="KeyNotFoundException">The ratio is not one of <see cref="All"/>.</exception>
    public static (int Width, int Height) Resolve(string ratio) => Sizes[ratio];

    private static (int Width, int Height) Compute(string ratio)
    {
        int colon = ratio.IndexOf(':', StringComparison.Ordinal);
        double target = Math.Log(double.Parse(ratio.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture)
            / double.Parse(ratio.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
        const double OneMegapixel = 1 << 20;
        double bestRatioError = double.MaxValue, bestAreaError = double.MaxValue;
        (int, int) best = (1024, 1024);
        for (int w = 64; w <= 2048; w += 64)
        {
            for (int h = 64; h <= 2048; h += 64)
            {
                double areaError = Math.Abs(Math.Log(w * (double)h / OneMegapixel));
                if (areaError > Math.Log(1.1))
                {
                    continue;
                }

                double ratioError = Math.Abs(Math.Log(w / (double)h) - target);
                if (ratioError < bestRatioError - 1e-12 || (Math.Abs(ratioError - bestRatioError) <= 1e-12 && areaError < bestAreaError))
                {
                    (bestRatioError, bestAreaError, best) = (ratioError, areaError, (w, h));
                }
            }
        }

        return best;
    }
}
