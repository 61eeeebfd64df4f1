using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaElementwiseTests
{
    public static TheoryData<DType, int[], int[], BinaryOp> BinaryCases()
    {
        var data = new TheoryData<DType, int[], int[], BinaryOp>();
        int[][][] shapes =
        [
            [[3, 5, 7], [3, 5, 7]],
            [[4, 33], [33]],
            [[2, 5, 7], [2, 1, 7]],
            [[3, 1, 5], [1, 4, 1]],
            [[1], [6, 2]],
            [[2, 1, 3, 1, 5], [4, 1, 2, 5]],
            [[2, 300, 96], [2, 1, 96]],
            [[1, 70001], [1, 1]],
        ];
        foreach (var dtype in (DType[])[DType.F32, DType.BF16])
        {
            foreach (var pair in shapes)
            {
                foreach (var op in Enum.GetValues<BinaryOp>())
                {
                    data.Add(dtype, pair[0], pair[1], op);
                }
            }
        }

        return data;
    }

    [CudaTheory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryBroadcastsLikeTheCpu(DType activation, int[] a, int[] b, BinaryOp op)
    {
        var backend = CudaTestDevice.For(activation);
        using var ha = CudaCheck.HostRandom(1, activation, a);
        using var hb = CudaCheck.HostRandom(2, activation, 0.5f, 2f, b); // away from 0 for Divide
        using var expected = CudaCheck.Cpu.Binary(ha, hb, op);
        using var da = CudaCheck.Upload(backend, ha);
        using var db = CudaCheck.Upload(backend, hb);
        using var actual = backend.Binary(da, db, op);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), $"{op} {Tensor.FormatShape(a)} {Tensor.FormatShape(b)}");
    }

    [CudaFact]
    public void BinaryAcceptsMixedDtypes()
    {
        var backend = CudaTestDevice.BF16;
        using var ha = CudaCheck.HostRandom(3, DType.BF16, 4, 9);
        using var hb = CudaCheck.HostRandom(4, DType.F32, 9);
        using var expected = CudaCheck.Cpu.Binary(ha, hb, BinaryOp.Add);
        using var da = CudaCheck.Upload(backend, ha, DType.BF16);
        using var db = CudaCheck.Upload(backend, hb, DType.F32);
        using var actual = backend.Binary(da, db, BinaryOp.Add);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.BF16, "bf16 + f32");
    }

    [CudaTheory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    public void AffineMatchesTheCpu(DType activation)
    {
        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(5, activation, 3, 1001);
        using var expected = CudaCheck.Cpu.Affine(hx, -1.75f, 0.3f);
        using var dx = CudaCheck.Upload(backend, hx);
        using var actual = backend.Affine(dx, -1.75f, 0.3f);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "affine");
    }

    public static TheoryData<DType, Activation> ActivationCases()
    {
        var data = new TheoryData<DType, Activation>();
        foreach (var dtype in (DType[])[DType.F32, DType.BF16])
        {
            foreach (var activation in Enum.GetValues<Activation>())
            {
                data.Add(dtype, activation);
            }
        }

        return data;
    }

    [CudaTheory]
    [MemberData(nameof(ActivationCases))]
    public void ActivateMatchesTheCpu(DType activationType, Activation activation)
    {
        var backend = CudaTestDevice.For(activationType);
        using var hx = CudaCheck.HostRandom(6, activationType, -8f, 8f, 7, 4099);
        using var expected = CudaCheck.Cpu.Activate(hx, activation);
        using var dx = CudaCheck.Upload(backend, hx);
        using var actual = backend.Activate(dx, activation);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activationType), activation.ToString());
    }

    [CudaTheory]
    [InlineData(DType.F32, 1, 1)]
    [InlineData(DType.F32, 3, 31)]
    [InlineData(DType.F32, 1000, 77)]
    [InlineData(DType.BF16, 17, 4099)]
    [InlineData(DType.BF16, 2, 70000)]
    public void SoftmaxMatchesTheCpu(DType activation, int rows, int cols)
    {
        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(7, activation, -20f, 20f, rows, cols);
        using var expected = CudaCheck.Cpu.Softmax(hx);
        using var dx = CudaCheck.Upload(backend, hx);
        using var actual = backend.Softmax(dx);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "softmax");
    }
}
