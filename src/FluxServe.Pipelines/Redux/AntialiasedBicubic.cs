using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Redux;

/// <summary>
/// PyTorch's <c>interpolate(mode='bicubic', antialias=True, align_corners=False)</c> on float32 planes: the resampler
/// of ComfyUI's CLIP-vision preprocessing (spec/redux.md §3). Keys' cubic with a = −0.5, stretched by the scale when
/// reducing, separable, width first and then height, with the arithmetic of PyTorch's float kernel (weights computed
/// and normalised in float32 with its mixed float/double promotions, each output a left-to-right float sum). PyTorch's
/// compiled kernel differs from this in the last bits (its build's instruction choices): results agree to ~1e-6
/// and 8-bit levels derived from them differ only at exact half-level ties (docs/redux.md).
/// </summary>
public static class AntialiasedBicubic
{
    /// <summary>Forces a narrower vector path (512, 256, 128 or 0 bits) in tests; results do not depend on it.</summary>
    internal static int VectorBitsLimit { get; set; } = 512;

    /// <summary>
    /// Resizes <paramref name="channels"/> planes of <paramref name="height"/>×<paramref name="width"/> (row-major,
    /// plane after plane) to <paramref name="outHeight"/>×<paramref name="outWidth"/>.
    /// </summary>
    public static void Resize(
        ReadOnlySpan<float> source, int channels, int height, int width, Span<float> destination, int outHeight, int outWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        long inPlane = (long)height * width, outPlane = (long)outHeight * outWidth;
        if (source.Length < channels * inPlane || destination.Length < channels * outPlane)
        {
            throw new ArgumentException($"{channels} planes of {height}×{width} → {outHeight}×{outWidth} need {channels * inPlane} source and {channels * outPlane} destination floats.");
        }

        var columns = width == outWidth ? null : Taps.For(width, outWidth);
        var rows = height == outHeight ? null : Taps.For(height, outHeight);
        float[] temporary = columns is not null && rows is not null ? ArrayPool<float>.Shared.Rent(height * outWidth) : [];
        try
        {
            for (int c = 0; c < channels; c++)
            {
                var src = source.Slice((int)(c * inPlane), (int)inPlane);
                var dst = destination.Slice((int)(c * outPlane), (int)outPlane);
                if (columns is null && rows is null)
                {
                    src.CopyTo(dst);
                }
                else if (rows is null)
                {
                    Horizontal(src, height, width, columns!, dst);
                }
                else if (columns is null)
                {
                    Vertical(src, width, rows, dst);
                }
                else
                {
                    Horizontal(src, height, width, columns, temporary);
                    Vertical(temporary, outWidth, rows, dst);
                }
            }
        }
        finally
        {
            if (temporary.Length > 0)
            {
                ArrayPool<float>.Shared.Return(temporary);
            }
        }
    }

    /// <summary>
    /// The window [<paramref name="top"/>, + <paramref name="windowHeight"/>) × [<paramref name="left"/>, +
    /// <paramref name="windowWidth"/>) of the <paramref name="outHeight"/>×<paramref name="outWidth"/> resize of
    /// interleaved 8-bit RGB taken as floats level/255 (as ComfyUI loads images), written as three planes
    /// [3, windowHeight, windowWidth]: each value is the one <see cref="Resize"/> gives on those float planes.
    /// </summary>
    /// <remarks>
    /// Nothing image-sized is allocated: bytes become floats one source row at a time as the horizontal pass reads
    /// them, and only the horizontal rows the vertical taps still need are kept, in a ring of as many rows as the
    /// longest vertical filter (the first tap of successive outputs never moves back). Outside the window nothing is
    /// computed.
    /// </remarks>
    internal static void ResizeRgbWindow(
        ReadOnlySpan<byte> rgb, int height, int width, int outHeight, int outWidth, int top, int left, int windowHeight, int windowWidth,
        Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowWidth, 1);
        if (top < 0 || left < 0 || top + windowHeight > outHeight || left + windowWidth > outWidth)
        {
            throw new ArgumentException($"The window {windowHeight}×{windowWidth} at ({top}, {left}) is not inside {outHeight}×{outWidth}.");
        }

        if (rgb.Length < 3L * height * width || destination.Length < 3L * windowHeight * windowWidth)
        {
            throw new ArgumentException($"{height}×{width} RGB → a {windowHeight}×{windowWidth} window needs {3L * height * width} source bytes and {3L * windowHeight * windowWidth} destination floats.");
        }

        var columns = width == outWidth ? Taps.Identity(width) : Taps.For(width, outWidth);
        var rows = height == outHeight ? Taps.Identity(height) : Taps.For(height, outHeight);
        int ring = rows.MaxCount;
        float[] line = ArrayPool<float>.Shared.Rent(3 * width);
        float[] kept = ArrayPool<float>.Shared.Rent(3 * ring * windowWidth);
        try
        {
            Span<float> level = stackalloc float[256];
            for (int i = 0; i < 256; i++)
            {
                level[i] = i / 255f;
            }

            int computed = 0; // rows below this one have been through the horizontal pass (or are never needed)
            for (int y = 0; y < windowHeight; y++)
            {
                int first = rows.Start[top + y];
                var weights = rows.WeightsOf(top + y);
                for (computed = Math.Max(computed, first); computed < first + weights.Length; computed++)
                {
                    var bytes = rgb.Slice(3 * computed * width, 3 * width);
                    var red = line.AsSpan(0, width);
                    var green = line.AsSpan(width, width);
                    var blue = line.AsSpan(2 * width, width);
                    for (int x = 0; x < width; x++)
                    {
                        red[x] = level[bytes[3 * x]];
                        green[x] = level[bytes[(3 * x) + 1]];
                        blue[x] = level[bytes[(3 * x) + 2]];
                    }

                    int slot = computed % ring;
                    for (int c = 0; c < 3; c++)
                    {
                        HorizontalRow(line.AsSpan(c * width, width), columns, left, kept.AsSpan(((c * ring) + slot) * windowWidth, windowWidth));
                    }
                }

                for (int c = 0; c < 3; c++)
                {
                    var outRow = destination.Slice(((c * windowHeight) + y) * windowWidth, windowWidth);
                    Scale(kept.AsSpan(((c * ring) + (first % ring)) * windowWidth, windowWidth), weights[0], outRow);
                    for (int j = 1; j < weights.Length; j++)
                    {
                        Accumulate(kept.AsSpan(((c * ring) + ((first + j) % ring)) * windowWidth, windowWidth), weights[j], outRow);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(kept);
            ArrayPool<float>.Shared.Return(line);
        }
    }

    /// <summary>
    /// Keys' cubic convolution kernel with a = −0.5 in float32, as PyTorch's <c>aa_filter</c> compiles on x86-64 with
    /// FMA (its multiply-adds contracted; that reproduces its weights far more often than separate roundings).
    /// </summary>
    internal static float Kernel(float x)
    {
        const float A = -0.5f;
        x = MathF.Abs(x);
        if (x < 1f)
        {
            return MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(A + 2f, x, -(A + 3f)) * x, x, 1f);
        }

        if (x < 2f)
        {
            return MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(A, x, -5f * A), x, 8f * A), x, -4f * A);
        }

        return 0f;
    }

    private static void Horizontal(ReadOnlySpan<float> src, int height, int width, Taps taps, Span<float> dst)
    {
        int outWidth = taps.Start.Length;
        for (int y = 0; y < height; y++)
        {
            HorizontalRow(src.Slice(y * width, width), taps, 0, dst.Slice(y * outWidth, outWidth));
        }
    }

    // Outputs first .. first + outRow.Length of one row, each a left-to-right float sum of rounded products.
    private static void HorizontalRow(ReadOnlySpan<float> row, Taps taps, int first, Span<float> outRow)
    {
        for (int x = 0; x < outRow.Length; x++)
        {
            var weights = taps.WeightsOf(first + x);
            ref float s = ref Unsafe.Add(ref MemoryMarshal.GetReference(row), taps.Start[first + x]);
            float sum = s * weights[0];
            for (int j = 1; j < weights.Length; j++)
            {
                sum += Unsafe.Add(ref s, j) * weights[j];
            }

            outRow[x] = sum;
        }
    }

    private static void Vertical(ReadOnlySpan<float> src, int width, Taps taps, Span<float> dst)
    {
        for (int y = 0; y < taps.Start.Length; y++)
        {
            var weights = taps.WeightsOf(y);
            var outRow = dst.Slice(y * width, width);
            int first = taps.Start[y];
            Scale(src.Slice(first * width, width), weights[0], outRow);
            for (int j = 1; j < weights.Length; j++)
            {
                Accumulate(src.Slice((first + j) * width, width), weights[j], outRow);
            }
        }
    }

    // dst = src·w, element-wise.
    private static void Scale(ReadOnlySpan<float> src, float w, Span<float> dst)
    {
        int i = 0;
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        if (Vector512.IsHardwareAccelerated && VectorBitsLimit >= 512)
        {
            var wv = Vector512.Create(w);
            for (; i <= src.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref s, (nuint)i) * wv).StoreUnsafe(ref d, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && VectorBitsLimit >= 256)
        {
            var wv = Vector256.Create(w);
            for (; i <= src.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)i) * wv).StoreUnsafe(ref d, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated && VectorBitsLimit >= 128)
        {
            var wv = Vector128.Create(w);
            for (; i <= src.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                (Vector128.LoadUnsafe(ref s, (nuint)i) * wv).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < src.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * w;
        }
    }

    // dst += src·w, element-wise: a product rounded to float, then a float sum (no fused multiply-add), as PyTorch's loop.
    private static void Accumulate(ReadOnlySpan<float> src, float w, Span<float> dst)
    {
        int i = 0;
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        if (Vector512.IsHardwareAccelerated && VectorBitsLimit >= 512)
        {
            var wv = Vector512.Create(w);
            for (; i <= src.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref d, (nuint)i) + (Vector512.LoadUnsafe(ref s, (nuint)i) * wv)).StoreUnsafe(ref d, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated && VectorBitsLimit >= 256)
        {
            var wv = Vector256.Create(w);
            for (; i <= src.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref d, (nuint)i) + (Vector256.LoadUnsafe(ref s, (nuint)i) * wv)).StoreUnsafe(ref d, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated && VectorBitsLimit >= 128)
        {
            var wv = Vector128.Create(w);
            for (; i <= src.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                (Vector128.LoadUnsafe(ref d, (nuint)i) + (Vector128.LoadUnsafe(ref s, (nuint)i) * wv)).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < src.Length; i++)
        {
            Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i) * w;
        }
    }

    /// <summary>Per output index: the first input index and the normalised weights of the inputs from there.</summary>
    internal sealed class Taps
    {
        private readonly float[] _weights;
        private readonly int[] _count;
        private readonly int _stride;

        private Taps(int[] start, int[] count, float[] weights, int stride)
        {
            Start = start;
            _count = count;
            _weights = weights;
            _stride = stride;
            MaxCount = count.Length == 0 ? 0 : count.Max();
        }

        public int[] Start { get; }

        /// <summary>The most inputs one output reads.</summary>
        public int MaxCount { get; }

        /// <summary>Output i is input i (one tap of weight 1, exact in float): the side that is not resized.</summary>
        public static Taps Identity(int size)
        {
            var start = new int[size];
            var count = new int[size];
            var weights = new float[size];
            for (int i = 0; i < size; i++)
            {
                start[i] = i;
                count[i] = 1;
                weights[i] = 1f;
            }

            return new Taps(start, count, weights, 1);
        }

        public ReadOnlySpan<float> WeightsOf(int i) => _weights.AsSpan(i * _stride, _count[i]);

        /// <summary>
        /// PyTorch's <c>_compute_indices_min_size_weights_aa</c> for float: scale = in/out and support = 2·max(scale, 1)
        /// in float32, center = scale·(i + 0.5) rounded to float, taps [trunc(center − support + 0.5), trunc(center +
        /// support + 0.5)) within the input, weight k((j − center + 0.5)/max(scale, 1)), normalised by their float sum.
        /// </summary>
        public static Taps For(int inSize, int outSize)
        {
            float scale = (float)inSize / outSize;
            float support = scale >= 1f ? 2f * scale : 2f;
            int stride = ((int)MathF.Ceiling(support) * 2) + 1;
            float invScale = scale >= 1f ? (float)(1.0 / scale) : 1f;
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new float[outSize * stride];
            for (int i = 0; i < outSize; i++)
            {
                float center = (float)(scale * (i + 0.5));
                int min = Math.Max((int)((double)(center - support) + 0.5), 0);
                int size = Math.Clamp(Math.Min((int)((double)(center + support) + 0.5), inSize) - min, 0, stride);
                var w = weights.AsSpan(i * stride, size);
                float total = 0f;
                for (int j = 0; j < size; j++)
                {
                    float t = (float)((double)((j + min) - center + 0.5) * invScale);
                    w[j] = Kernel(t);
                    total += w[j];
                }

                if (total != 0f)
                {
                    for (int j = 0; j < size; j++)
                    {
                        w[j] /= total;
                    }
                }

                start[i] = min;
                count[i] = Math.Max(size, 1);
            }

            return new Taps(start, count, weights, stride);
        }
    }
}
