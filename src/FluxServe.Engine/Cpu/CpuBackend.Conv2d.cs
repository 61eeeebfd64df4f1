using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // im2col tiles hold about this many floats (8 MB), so a 3×3 convolution over 512 channels of a 1024² image never
    // materialises its 4608 × 1M patch matrix; GEMMs of a tile's width are still large enough to run at full speed.
    private const int Im2ColTileFloats = 1 << 21;

    /// <inheritdoc />
    /// <remarks>
    /// As a GEMM per batch item: out[O, P] = W[O, C·kh·kw] · patches[C·kh·kw, P] over the output pixels P, through
    /// <see cref="Sgemm"/> (threaded), with the bias pre-filled and accumulated onto. Patches are built in tiles of
    /// output pixels (im2col, zero padding included); a 1×1 convolution with stride 1 and no padding multiplies the
    /// input directly. The weight may be stored as F32, BF16, F16 or float8 (widened once per call).
    /// </remarks>
    public Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        TensorChecks.RequireCpu(weight, nameof(weight));
        TensorChecks.RequireRank(x, 4, nameof(x), "[B, C, H, W]");
        TensorChecks.RequireRank(weight, 4, nameof(weight), "[O, C, kh, kw]");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int outChannels = weight.Shape[0], kh = weight.Shape[2], kw = weight.Shape[3];
        if (weight.Shape[1] != channels || !weight.DType.IsFloatingPoint())
        {
            TensorChecks.Throw(nameof(weight), $"weight must be a float [O, {channels}, kh, kw] for x of {Tensor.FormatShape(x.Shape)}, got {weight.DType} {Tensor.FormatShape(weight.Shape)}.");
        }

        if (bias is not null)
        {
            TensorChecks.RequireFloat32(bias, nameof(bias));
            TensorChecks.RequireVector(bias, outChannels, nameof(bias));
        }

        int outHeight = ((height + (2 * padding) - kh) / stride) + 1;
        int outWidth = ((width + (2 * padding) - kw) / stride) + 1;
        if (height + (2 * padding) < kh || width + (2 * padding) < kw || kh == 0 || kw == 0)
        {
            TensorChecks.Throw(nameof(weight), $"A {kh}×{kw} kernel with padding {padding} does not fit the {height}×{width} input.");
        }

        var y = Allocate([batch, outChannels, outHeight, outWidth], DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        Tensor? widened = weight.DType == DType.F32 ? null : Cast(weight, DType.F32);
        try
        {
            var geometry = new ConvGeometry(channels, height, width, kh, kw, stride, padding, outHeight, outWidth);
            unsafe
            {
                RunConv2d(
                    (float*)x.Pointer, (float*)(widened ?? weight).Pointer, bias is null ? null : (float*)bias.Pointer, (float*)y.Pointer,
                    batch, outChannels, geometry);
            }
        }
        finally
        {
            widened?.Dispose();
        }

        return y;
    }

    private static unsafe void RunConv2d(float* x, float* w, float* bias, float* y, int batch, int outChannels, ConvGeometry g)
    {
        int k = g.Channels * g.KernelHeight * g.KernelWidth;
        int pixels = g.OutHeight * g.OutWidth;
        bool direct = g.KernelHeight == 1 && g.KernelWidth == 1 && g.Stride == 1 && g.Padding == 0;
        int tile = direct ? pixels : Math.Min(Math.Max(Im2ColTileFloats / k, 64), pixels);
        float* patches = direct ? null : (float*)NativeMemory.AlignedAlloc((nuint)((long)k * tile * sizeof(float)), 64);
        try
        {
            for (int b = 0; b < batch; b++)
            {
                float* input = x + ((long)b * g.Channels * g.Height * g.Width);
                float* output = y + ((long)b * outChannels * pixels);
                if (bias is not null)
                {
                    for (int o = 0; o < outChannels; o++)
                    {
                        new Span<float>(output + ((long)o * pixels), pixels).Fill(bias[o]);
                    }
                }

                for (int p0 = 0; p0 < pixels; p0 += tile)
                {
                    int n = Math.Min(tile, pixels - p0);
                    float* source = direct ? input + p0 : patches;
                    nint ldb = direct ? pixels : n;
                    if (!direct)
                    {
                        ParallelRange.For(k, n, new Im2ColRows(input, patches, g, p0, n));
                    }

                    Sgemm.Multiply(outChannels, n, k, w, k, source, ldb, DType.F32, GemmBLayout.KByN, output + p0, pixels, accumulate: bias is not null);
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(patches);
        }
    }

    private readonly record struct ConvGeometry(
        int Channels, int Height, int Width, int KernelHeight, int KernelWidth, int Stride, int Padding, int OutHeight, int OutWidth);

    /// <summary>
    /// Rows of the patch matrix for output pixels [p0, p0 + n): row (c, ky, kx) holds x[c, oy·s + ky − pad, ox·s + kx − pad]
    /// for each pixel (oy, ox), zero outside the image.
    /// </summary>
    private readonly unsafe struct Im2ColRows(float* x, float* patches, ConvGeometry g, int p0, int n) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int kernelArea = g.KernelHeight * g.KernelWidth;
            for (int row = start; row < end; row++)
            {
                int c = row / kernelArea, ky = row % kernelArea / g.KernelWidth, kx = row % g.KernelWidth;
                float* plane = x + ((long)c * g.Height * g.Width);
                float* target = patches + ((long)row * n);

                // Output columns whose input column ox·s + kx − pad lies inside [0, W).
                int first = Math.Max(0, CeilDiv(g.Padding - kx, g.Stride));
                int last = Math.Min(g.OutWidth, CeilDiv(g.Width + g.Padding - kx, g.Stride));
                int p = p0;
                while (p < p0 + n)
                {
                    int oy = p / g.OutWidth, ox = p % g.OutWidth;
                    int count = Math.Min(g.OutWidth - ox, p0 + n - p);
                    float* segment = target + (p - p0);
                    int iy = (oy * g.Stride) + ky - g.Padding;
                    if (iy < 0 || iy >= g.Height)
                    {
                        new Span<float>(segment, count).Clear();
                    }
                    else
                    {
                        float* line = plane + ((long)iy * g.Width);
                        int lo = Math.Clamp(first, ox, ox + count), hi = Math.Clamp(last, lo, ox + count);
                        new Span<float>(segment, lo - ox).Clear();
                        new Span<float>(segment + (hi - ox), ox + count - hi).Clear();
                        int ix = (lo * g.Stride) + kx - g.Padding;
                        if (g.Stride == 1)
                        {
                            new ReadOnlySpan<float>(line + ix, hi - lo).CopyTo(new Span<float>(segment + (lo - ox), hi - lo));
                        }
                        else
                        {
                            for (int o = lo; o < hi; o++, ix += g.Stride)
                            {
                                segment[o - ox] = line[ix];
                            }
                        }
                    }

                    p += count;
                }
            }
        }

        private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
    }
}
