namespace FluxServe.Engine.Tests.Cuda;

/// <summary>Concat, Slice and Permute move bytes: results must equal the CPU's exactly, in any dtype.</summary>
[Collection(CudaCollection.Name)]
public sealed class CudaLayoutTests
{
    [CudaTheory]
    [InlineData(DType.F32, 0)]
    [InlineData(DType.BF16, 1)]
    [InlineData(DType.F32, 2)]
    [InlineData(DType.I64, 1)]
    [InlineData(DType.U8, 2)]
    [InlineData(DType.BF16, -1)]
    public void ConcatEqualsTheCpu(DType dtype, int dim)
    {
        var backend = CudaTestDevice.F32;
        int d = dim < 0 ? 2 : dim;
        int[][] shapes = [[2, 3, 5], [2, 3, 5], [2, 3, 5]];
        int[] sizes = [1, 4, 7];
        var hosts = new List<Tensor>();
        var devices = new List<Tensor>();
        for (int i = 0; i < 3; i++)
        {
            int[] shape = (int[])shapes[i].Clone();
            shape[d] = sizes[i];
            var host = Tensor.Empty(shape, dtype);
            new Random(70 + i).NextBytes(host.AsBytes());
            hosts.Add(host);
            devices.Add(backend.Copy(host, backend.Device));
        }

        try
        {
            using var expected = CudaCheck.Cpu.Concat(hosts, dim);
            using var actual = backend.Concat(devices, dim);
            AssertSameBytes(backend, expected, actual);
        }
        finally
        {
            hosts.ForEach(t => t.Dispose());
            devices.ForEach(t => t.Dispose());
        }
    }

    [CudaTheory]
    [InlineData(DType.F32, 0, 1, 2)]
    [InlineData(DType.BF16, 1, 3, 5)]
    [InlineData(DType.BF16, 2, 0, 1)]
    [InlineData(DType.F8E4M3FN, 2, 3, 4)]
    [InlineData(DType.F32, -1, 4096, 3072)]
    public void SliceEqualsTheCpu(DType dtype, int dim, int start, int length)
    {
        var backend = CudaTestDevice.F32;
        int[] shape = dim == -1 ? [1, 3, 4096 + 3072 + 5] : [3, 9, 7];
        using var host = Tensor.Empty(shape, dtype);
        new Random(80).NextBytes(host.AsBytes());
        using var expected = CudaCheck.Cpu.Slice(host, dim, start, length);
        using var device = backend.Copy(host, backend.Device);
        using var actual = backend.Slice(device, dim, start, length);
        AssertSameBytes(backend, expected, actual);
    }

    public static TheoryData<DType, int[], int[]> PermuteCases => new()
    {
        { DType.F32, [2, 3, 4, 5], [0, 2, 1, 3] },
        { DType.BF16, [2, 3, 4, 5], [3, 2, 1, 0] },
        { DType.BF16, [1, 33, 3, 4, 64], [2, 0, 3, 1, 4] },
        { DType.BF16, [1, 24, 300, 128], [0, 2, 1, 3] },
        { DType.U8, [6, 1, 7], [1, 2, 0] },
        { DType.F32, [5, 8], [1, 0] },
        { DType.I64, [3, 7, 2], [0, 1, 2] },
        { DType.F16, [2, 3, 5, 7, 2, 3], [5, 4, 3, 2, 1, 0] },
    };

    [CudaTheory]
    [MemberData(nameof(PermuteCases))]
    public void PermuteEqualsTheCpu(DType dtype, int[] shape, int[] dims)
    {
        var backend = CudaTestDevice.F32;
        using var host = Tensor.Empty(shape, dtype);
        new Random(90).NextBytes(host.AsBytes());
        using var expected = CudaCheck.Cpu.Permute(host, dims);
        using var device = backend.Copy(host, backend.Device);
        using var actual = backend.Permute(device, dims);
        AssertSameBytes(backend, expected, actual);
    }

    [CudaTheory]
    [InlineData(DType.BF16, DType.I32, false)]
    [InlineData(DType.F32, DType.I64, true)]
    [InlineData(DType.F8E4M3FN, DType.I64, false)]
    public void EmbeddingMatchesTheCpu(DType tableType, DType idType, bool idsOnDevice)
    {
        var backend = CudaTestDevice.BF16;
        using var table = CudaCheck.HostRandom(91, tableType, 300, 72);
        using var ids = Tensor.Empty([2, 9], idType);
        var random = new Random(92);
        for (int i = 0; i < ids.Length; i++)
        {
            if (idType == DType.I64)
            {
                ids.AsSpan<long>()[i] = random.Next(300);
            }
            else
            {
                ids.AsSpan<int>()[i] = random.Next(300);
            }
        }

        using var expected = CudaCheck.Cpu.Embedding(table, ids);
        using var dtable = CudaCheck.Upload(backend, table, tableType);
        using var dids = idsOnDevice ? backend.Copy(ids, backend.Device) : null;
        using var actual = backend.Embedding(dtable, dids ?? ids);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.BF16, "embedding");
    }

    [CudaFact]
    public void EmbeddingRejectsAnOutOfRangeHostId()
    {
        var backend = CudaTestDevice.BF16;
        using var table = CudaCheck.Upload(backend, CudaCheck.HostRandom(93, DType.BF16, 10, 4));
        using var ids = Tensor.FromSpan<int>([3, 10], [2], DType.I32);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Embedding(table, ids));
    }

    private static void AssertSameBytes(FluxServe.Engine.Cuda.CudaBackend backend, Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        using var back = backend.Copy(actual, Device.Cpu);
        Assert.True(expected.AsBytes().SequenceEqual(back.AsBytes()), $"{Tensor.FormatShape(actual.Shape)} {actual.DType}: bytes differ");
    }
}
