using FluxServe.Engine;

namespace FluxServe.Engine.Tests;

[Collection(LiveBytesCollection.Name)]
public sealed class CpuMemoryPoolTests
{
    [Fact]
    public void A_freed_large_block_is_reused_by_the_next_tensor_of_the_same_size()
    {
        // An odd size nobody else in the test run allocates.
        int[] shape = [3, 262_177];
        nint first;
        using (var a = Tensor.Empty(shape))
        {
            first = a.Pointer;
            a.AsSpan<float>().Fill(7f);
        }

        using var b = Tensor.Zeros(shape);
        Assert.Equal(first, b.Pointer);
        Assert.All(b.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Live_bytes_count_live_tensors_only_and_small_blocks_are_not_pooled()
    {
        long before = CpuStorage.LiveBytes;
        long pooledBefore = CpuMemoryPool.PooledBytes;
        var small = Tensor.Empty([1000]);
        Assert.Equal(before + 4000, CpuStorage.LiveBytes);
        small.Dispose();
        Assert.Equal(before, CpuStorage.LiveBytes);
        Assert.Equal(pooledBefore, CpuMemoryPool.PooledBytes);
    }
}
