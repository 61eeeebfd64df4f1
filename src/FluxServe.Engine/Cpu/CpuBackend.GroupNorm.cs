using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Each (batch, group) is one contiguous run of C/groups channels × spatial elements; its mean and variance use
    /// float registers with double block sums (a VAE group at 1024² holds millions of elements), then each channel
    /// row is y = (x − mean)·(rstd·w[c]) + b[c]. Groups run in parallel.
    /// </remarks>
    public Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        if (x.Rank < 2)
        {
            TensorChecks.Throw(nameof(x), $"GroupNorm needs [B, C, ...], got {Tensor.FormatShape(x.Shape)}.");
        }

        int channels = x.Shape[1];
        if (groups <= 0 || channels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{channels} channels do not split into {groups} groups.");
        }

        if (weight is not null)
        {
            TensorChecks.RequireFloat32(weight, nameof(weight));
            TensorChecks.RequireVector(weight, channels, nameof(weight));
        }

        if (bias is not null)
        {
            TensorChecks.RequireFloat32(bias, nameof(bias));
            TensorChecks.RequireVector(bias, channels, nameof(bias));
        }

        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        unsafe
        {
            var args = new GroupNormGroups
            {
                X = (float*)x.Pointer,
                Y = (float*)y.Pointer,
                Weight = weight is null ? null : (float*)weight.Pointer,
                Bias = bias is null ? null : (float*)bias.Pointer,
                Channels = channels,
                ChannelsPerGroup = channels / groups,
                Spatial = checked((int)(x.Length / x.Shape[0] / channels)),
                Eps = eps,
            };
            int items = x.Shape[0] * groups;
            long work = 4L * args.ChannelsPerGroup * args.Spatial;
            switch (KernelDispatch.Width)
            {
                case SimdWidth.W512: ParallelRange.For(items, work, new GroupNormGroups<SimdF512>(args)); break;
                case SimdWidth.W256: ParallelRange.For(items, work, new GroupNormGroups<SimdF256>(args)); break;
                case SimdWidth.W128: ParallelRange.For(items, work, new GroupNormGroups<SimdF128>(args)); break;
                default: ParallelRange.For(items, work, new GroupNormGroups<SimdF1>(args)); break;
            }
        }

        return y;
    }

    private unsafe struct GroupNormGroups
    {
        public float* X;
        public float* Y;
        public float* Weight;
        public float* Bias;
        public int Channels;
        public int ChannelsPerGroup;
        public int Spatial;
        public float Eps;
    }

    private readonly unsafe struct GroupNormGroups<T>(GroupNormGroups args) : IRangeBody
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int groups = args.Channels / args.ChannelsPerGroup;
            int s = args.Spatial;
            int n = checked(args.ChannelsPerGroup * s);
            for (int item = start; item < end; item++)
            {
                int b = item / groups, g = item % groups;
                long offset = (((long)b * args.Channels) + ((long)g * args.ChannelsPerGroup)) * s;
                ref float x = ref Unsafe.AsRef<float>(args.X + offset);
                double mean = RowKernels<T>.Sum(in x, n) / n;
                double variance = RowKernels<T>.SumOfSquares(in x, n, (float)mean) / n;
                double rstd = 1 / Math.Sqrt(variance + args.Eps);
                for (int c = 0; c < args.ChannelsPerGroup; c++)
                {
                    int channel = (g * args.ChannelsPerGroup) + c;
                    float scale = (float)(rstd * (args.Weight is null ? 1f : args.Weight[channel]));
                    float shift = args.Bias is null ? 0f : args.Bias[channel];
                    ref float row = ref Unsafe.AsRef<float>(args.X + offset + ((long)c * s));
                    ref float output = ref Unsafe.AsRef<float>(args.Y + offset + ((long)c * s));
                    RowKernels<T>.CenterScaleShift(in row, ref output, s, (float)mean, scale, shift);
                }
            }
        }
    }
}
