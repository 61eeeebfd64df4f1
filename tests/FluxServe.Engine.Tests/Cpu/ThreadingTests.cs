using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>Results must not depend on how many threads split the work.</summary>
[Collection(SimdWidthCollection.Name)]
public sealed class ThreadingTests
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void OneThreadAndManyGiveTheSameBits()
    {
        using var x = TestTensors.Random(1, 2, 300, 1000);
        using var w = TestTensors.Random(2, 1000);
        using var shift = TestTensors.Random(3, 2, 1000);
        using var shift3 = shift.Reshape(2, 1, 1000);
        using var q = TestTensors.Random(4, 1, 4, 200, 64);
        using var k = TestTensors.Random(5, 1, 4, 190, 64);
        using var v = TestTensors.Random(6, 1, 4, 190, 64);
        using var image = TestTensors.Random(7, 1, 64, 70, 70);
        Func<Tensor>[] ops =
        [
            () => Cpu.LayerNorm(x, w, w, 1e-6f),
            () => Cpu.RmsNorm(x, w, 1e-6f),
            () => Cpu.Modulate(x, shift, shift),
            () => Cpu.Softmax(x),
            () => Cpu.Activate(x, Activation.GeluTanh),
            () => Cpu.Binary(x, shift3, BinaryOp.Divide),
            () => Cpu.Attention(q, k, v, null, causal: true, 0.125f),
            () => Cpu.GroupNorm(image, 32, null, null, 1e-6f),
            () => Cpu.Permute(x, [2, 0, 1]),
        ];

        int threads = ParallelRange.MaxThreads;
        try
        {
            foreach (var op in ops)
            {
                ParallelRange.MaxThreads = 1;
                using var single = op();
                ParallelRange.MaxThreads = Math.Max(4, threads);
                using var many = op();
                Assert.True(single.AsBytes().SequenceEqual(many.AsBytes()));
            }
        }
        finally
        {
            ParallelRange.MaxThreads = threads;
        }
    }
}
