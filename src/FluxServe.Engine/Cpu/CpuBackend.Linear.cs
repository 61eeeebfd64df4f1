using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// One <see cref="Sgemm"/> call over all leading dimensions at once (M = their product), with the weight in its
    /// stored dtype used directly as the [N, K] B operand (widened while it is packed) and the bias and activation
    /// fused into the GEMM's epilogue.
    /// </remarks>
    public unsafe Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Activation activation = Activation.None)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        TensorChecks.RequireCpu(weight, nameof(weight));
        if (x.Rank < 1)
        {
            TensorChecks.Throw(nameof(x), $"x must have at least one dimension [..., K], got {Tensor.FormatShape(x.Shape)}.");
        }

        if (weight.Rank != 2 || !weight.DType.IsFloatingPoint())
        {
            TensorChecks.Throw(nameof(weight), $"weight must be a float [N, K] matrix, got {weight.DType} {Tensor.FormatShape(weight.Shape)}.");
        }

        int n = weight.Shape[0];
        int k = weight.Shape[1];
        if (x.Shape[^1] != k)
        {
            TensorChecks.Throw(nameof(x), $"x {Tensor.FormatShape(x.Shape)} has {x.Shape[^1]} features but weight {Tensor.FormatShape(weight.Shape)} expects K = {k}.");
        }

        if (bias is not null)
        {
            TensorChecks.RequireFloat32(bias, nameof(bias));
            if (bias.Rank != 1 || bias.Shape[0] != n)
            {
                TensorChecks.Throw(nameof(bias), $"bias must be [{n}] for weight {Tensor.FormatShape(weight.Shape)}, got {Tensor.FormatShape(bias.Shape)}.");
            }
        }

        int m = checked((int)Tensor.ComputeLength(x.Shape[..^1]));
        int[] shape = x.Shape.ToArray();
        shape[^1] = n;
        var y = Allocate(shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        Sgemm.Multiply(
            m, n, k,
            (float*)x.Pointer, Math.Max(k, 1),
            (void*)weight.Pointer, Math.Max(k, 1), weight.DType, GemmBLayout.NByK,
            (float*)y.Pointer, n,
            bias is null ? null : (float*)bias.Pointer,
            activation);
        return y;
    }
}
