using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Redux;

/// <summary>
/// Pillow's <c>Image.resize(size, Image.BICUBIC)</c> on an 8-bit RGB image: the resize of HF's
/// <c>SiglipImageProcessor</c> that BFL's and diffusers' Redux pipelines use (spec/redux.md §3). The same antialiased
/// Keys cubic (a = −0.5) as <see cref="AntialiasedBicubic"/>, but with Pillow's arithmetic: weights computed in
/// double, turned into 22-bit fixed point, and an 8-bit image (rounded and clamped) after each of the two passes
/// (width first, then height).
/// </summary>
public static class PillowBicubic
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Returns <paramref name="source"/> resized to <paramref name="width"/>×<paramref name="height"/> (a new image).</summary>
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var result = new RgbImage(width, height);
        try
        {
            if (width == source.Width && height == source.Height)
            {
                source.Pixels.CopyTo(result.Pixels);
                return result;
            }

            // Width pass over all rows (Pillow restricts it to the rows the height pass reads; the values are the same).
            RgbImage? temporary = null;
            try
            {
                var rowsSource = source;
                if (width != source.Width)
                {
                    temporary = height == source.Height ? result : new RgbImage(width, source.Height);
                    Horizontal(source, temporary, FixedTaps.For(source.Width, width));
                    rowsSource = temporary;
                }

                if (height != source.Height)
                {
                    Vertical(rowsSource, result, FixedTaps.For(source.Height, height));
                }
            }
            finally
            {
                if (temporary is not null && !ReferenceEquals(temporary, result))
                {
                    temporary.Dispose();
                }
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Pillow's <c>bicubic_filter</c> (a = −0.5) in double.</summary>
    internal static double Kernel(double x)
    {
        const double A = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((A + 2.0) * x) - (A + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * A;
        }

        return 0.0;
    }

    private static void Horizontal(RgbImage source, RgbImage destination, FixedTaps taps)
    {
        for (int y = 0; y < source.Height; y++)
        {
            ReadOnlySpan<byte> row = source.GetRow(y);
            var outRow = destination.GetRow(y);
            for (int x = 0; x < destination.Width; x++)
            {
                var k = taps.WeightsOf(x);
                int first = 3 * taps.Start[x];
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (int j = 0; j < k.Length; j++)
                {
                    int p = first + (3 * j);
                    r += row[p] * k[j];
                    g += row[p + 1] * k[j];
                    b += row[p + 2] * k[j];
                }

                outRow[3 * x] = Clip8(r);
                outRow[(3 * x) + 1] = Clip8(g);
                outRow[(3 * x) + 2] = Clip8(b);
            }
        }
    }

    private static void Vertical(RgbImage source, RgbImage destination, FixedTaps taps)
    {
        int stride = source.Stride;
        ReadOnlySpan<byte> pixels = source.Pixels;
        for (int y = 0; y < destination.Height; y++)
        {
            var k = taps.WeightsOf(y);
            int first = taps.Start[y] * stride;
            var outRow = destination.GetRow(y);
            for (int i = 0; i < stride; i++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int j = 0; j < k.Length; j++)
                {
                    sum += pixels[first + (j * stride) + i] * k[j];
                }

                outRow[i] = Clip8(sum);
            }
        }
    }

    // Pillow's clip8: the sum's integer part (an arithmetic shift, i.e. floor) clamped to 0..255.
    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>Pillow's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c>.</summary>
    private sealed class FixedTaps
    {
        private readonly int[] _weights;
        private readonly int[] _count;
        private readonly int _stride;

        private FixedTaps(int[] start, int[] count, int[] weights, int stride)
        {
            Start = start;
            _count = count;
            _weights = weights;
            _stride = stride;
        }

        public int[] Start { get; }

        public ReadOnlySpan<int> WeightsOf(int i) => _weights.AsSpan(i * _stride, _count[i]);

        public static FixedTaps For(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = 2.0 * filterScale;
            int stride = ((int)Math.Ceiling(support) * 2) + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * stride];
            var buffer = new double[stride];
            for (int i = 0; i < outSize; i++)
            {
                double center = (i + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int min = Math.Max((int)(center - support + 0.5), 0);
                int size = Math.Min((int)(center + support + 0.5), inSize) - min;
                double total = 0.0;
                for (int j = 0; j < size; j++)
                {
                    buffer[j] = Kernel((j + min - center + 0.5) * ss);
                    total += buffer[j];
                }

                var fixedWeights = weights.AsSpan(i * stride, size);
                for (int j = 0; j < size; j++)
                {
                    double w = total != 0.0 ? buffer[j] / total : buffer[j];
                    fixedWeights[j] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
                }

                start[i] = min;
                count[i] = size;
            }

            return new FixedTaps(start, count, weights, stride);
        }
    }
}
