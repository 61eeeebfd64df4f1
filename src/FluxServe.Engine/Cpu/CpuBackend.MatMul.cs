using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// The leading dimensions are flattened into one batch for <see cref="Sgemm.MultiplyBatched"/>, which splits
    /// large items across the cores and spreads small ones over them whole.
    /// </remarks>
    public unsafe Tensor MatMul(Tensor a, Tensor b, bool transposeB = false)
    {
        TensorChecks.RequireFloat32(a, nameof(a));
        TensorChecks.RequireFloat32(b, nameof(b));
        string bForm = transposeB ? "[..., N, K]" : "[..., K, N]";
        if (a.Rank < 2)
        {
            TensorChecks.Throw(nameof(a), $"a must be [..., M, K] (rank 2 or more), got {Tensor.FormatShape(a.Shape)}.");
        }

        if (b.Rank != a.Rank || !a.Shape[..^2].SequenceEqual(b.Shape[..^2]))
        {
            TensorChecks.Throw(nameof(b), $"b must be {bForm} with the same leading dimensions as a {Tensor.FormatShape(a.Shape)}, got {Tensor.FormatShape(b.Shape)}.");
        }

        int m = a.Shape[^2];
        int k = a.Shape[^1];
        int bk = transposeB ? b.Shape[^1] : b.Shape[^2];
        int n = transposeB ? b.Shape[^2] : b.Shape[^1];
        if (bk != k)
        {
            TensorChecks.Throw(nameof(b), $"Inner dimensions differ: a {Tensor.FormatShape(a.Shape)} has K = {k} but b {bForm} {Tensor.FormatShape(b.Shape)} has K = {bk}.");
        }

        int batch = checked((int)Tensor.ComputeLength(a.Shape[..^2]));
        int[] shape = a.Shape.ToArray();
        shape[^1] = n;
        var c = Allocate(shape, DType.F32, zero: false);
        if (c.Length == 0)
        {
            return c;
        }

        Sgemm.MultiplyBatched(
            batch, m, n, k,
            (float*)a.Pointer, Math.Max(k, 1), (long)m * k,
            (void*)b.Pointer, Math.Max(transposeB ? k : n, 1), (long)k * n, DType.F32, transposeB ? GemmBLayout.NByK : GemmBLayout.KByN,
            (float*)c.Pointer, n, (long)m * n);
        return c;
    }
}
