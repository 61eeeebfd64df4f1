using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaLinearTests
{
    public static TheoryData<DType, DType, int, int, int, bool, Activation> Cases()
    {
        var data = new TheoryData<DType, DType, int, int, int, bool, Activation>();
        foreach (var activation in (DType[])[DType.F32, DType.BF16])
        {
            foreach (var weight in (DType[])[DType.F32, DType.BF16, DType.F16, DType.F8E4M3FN, DType.F8E5M2])
            {
                data.Add(activation, weight, 7, 96, 33, true, Activation.None);
            }

            data.Add(activation, DType.BF16, 1, 64, 64, false, Activation.None);
            data.Add(activation, DType.BF16, 300, 100, 48, true, Activation.GeluTanh);
            data.Add(activation, DType.BF16, 33, 64, 40, true, Activation.Relu);
            data.Add(activation, DType.BF16, 9, 256, 72, true, Activation.SiLU);
            data.Add(activation, DType.BF16, 5, 48, 16, false, Activation.GeluExact);
            data.Add(activation, DType.BF16, 513, 3072, 3072, true, Activation.None);
        }

        return data;
    }

    [CudaTheory]
    [MemberData(nameof(Cases))]
    public void LinearMatchesTheCpu(DType activation, DType weightType, int rows, int k, int n, bool withBias, Activation act)
    {
        var backend = CudaTestDevice.For(activation);
        AssertLinear(backend, activation, weightType, rows, k, n, withBias, act, 1f, CudaTolerance.For(activation));
    }

    [CudaTheory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    public void LinearScaledPutsTheScaleBeforeTheBias(DType activation)
    {
        var backend = CudaTestDevice.For(activation);
        AssertLinear(backend, activation, DType.F8E4M3FN, 20, 64, 32, true, Activation.GeluTanh, 0.37f, CudaTolerance.For(activation));
    }

    [CudaFact]
    public void Fp8TensorCoresStayCloseToTheExactProduct()
    {
        Assert.True(CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.BF16, Fp8TensorCores = true, PoisonAllocations = true }, out var backend, out string reason), reason);
        if (backend.Info.ComputeCapability < 89)
        {
            return; // fp8 tensor cores need Ada or Hopper; the widening path is what runs, covered above
        }

        // Per-tensor e4m3 quantisation of the activation (3 mantissa bits) costs a few percent per product.
        AssertLinear(backend, DType.BF16, DType.F8E4M3FN, 256, 512, 128, true, Activation.None, 0.5f, new CudaTolerance(0.5, 0.1, 0.05));
    }

    [CudaTheory]
    [InlineData(DType.F32, new[] { 2, 3, 17, 40 }, new[] { 2, 3, 40, 9 }, false)]
    [InlineData(DType.F32, new[] { 2, 3, 17, 40 }, new[] { 2, 3, 9, 40 }, true)]
    [InlineData(DType.F32, new[] { 4, 5, 6 }, new[] { 6, 7 }, false)]
    [InlineData(DType.BF16, new[] { 24, 128, 64 }, new[] { 24, 300, 64 }, true)]
    [InlineData(DType.BF16, new[] { 1, 1, 1 }, new[] { 1, 1, 1 }, false)]
    public void MatMulMatchesTheCpu(DType activation, int[] a, int[] b, bool transposeB)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(a) * (double)(transposeB ? b[^2] : b[^1])))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var ha = CudaCheck.HostRandom(41, activation, a);
        using var hb = CudaCheck.HostRandom(42, activation, b);
        // A 2-D b shared by every matrix of a batched a (an extension of IBackend's equal leading dimensions) is
        // the same as one product over the flattened rows of a.
        bool shared = b.Length == 2 && a.Length > 2;
        using var flat = shared ? ha.Reshape(-1, a[^1]) : null;
        using var product = shared ? CudaCheck.Cpu.MatMul(flat!, hb, transposeB) : null;
        using var expected = shared ? product!.Reshape([.. a[..^1], transposeB ? b[0] : b[1]]) : CudaCheck.Cpu.MatMul(ha, hb, transposeB);
        using var da = CudaCheck.Upload(backend, ha);
        using var db = CudaCheck.Upload(backend, hb);
        using var actual = backend.MatMul(da, db, transposeB);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "matmul");
    }

    private static void AssertLinear(CudaBackend backend, DType activation, DType weightType, int rows, int k, int n, bool withBias, Activation act, float scale, CudaTolerance tolerance)
    {
        if (CudaCheck.TooLargeForEmulation((double)rows * k * n))
        {
            return;
        }

        using var hx = CudaCheck.HostRandom(43, activation, rows, k);
        using var hw = CudaCheck.HostRandom(44, weightType, -0.2f, 0.2f, n, k);   // values the weight dtype holds exactly
        using var hb = withBias ? CudaCheck.HostRandom(45, activation, n) : null;

        // The oracle: the CPU's Linear on the same values (its weight widened from float32, scale applied to the product).
        using var unscaled = CudaCheck.Cpu.Linear(hx, hw, null, Activation.None);
        using var scaled = CudaCheck.Cpu.Affine(unscaled, scale, 0f);
        using var biased = hb is null ? null : CudaCheck.Cpu.Binary(scaled, hb, BinaryOp.Add);
        using var expected = CudaCheck.Cpu.Activate(biased ?? scaled, act);

        using var dx = CudaCheck.Upload(backend, hx);
        using var dw = CudaCheck.Upload(backend, hw, weightType);
        using var db = hb is null ? null : CudaCheck.Upload(backend, hb, DType.F32);
        using var actual = scale == 1f ? backend.Linear(dx, dw, db, act) : backend.LinearScaled(dx, dw, db, act, scale);
        CudaCheck.AssertClose(expected, backend, actual, tolerance, $"linear {weightType} [{rows}x{k}]·[{n}x{k}]ᵀ {act}");
    }
}
