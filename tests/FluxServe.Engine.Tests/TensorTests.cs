using FluxServe.Engine.Tests.Cpu;

namespace FluxServe.Engine.Tests;

/// <summary>
/// Process-wide state (<see cref="CpuStorage.LiveBytes"/>) is measured here, so these tests run in a collection that
/// xunit does not run in parallel with others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveBytesCollection
{
    public const string Name = "Live bytes";
}

[Collection(LiveBytesCollection.Name)]
public sealed class TensorTests
{
    [Fact]
    public void ReshapeIsAViewOverTheSameStorage()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var view = x.Reshape(3, -1);
        Assert.Same(x.Storage, view.Storage);
        Assert.Equal([3, 2], view.Shape.ToArray());

        view.AsSpan<float>()[5] = 60f;
        Assert.Equal(60f, x.AsSpan<float>()[5]);
        x.AsSpan<float>()[0] = 10f;
        Assert.Equal(10f, view.AsSpan<float>()[0]);

        Assert.Throws<ArgumentException>(() => x.Reshape(4, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(7));
    }

    [Fact]
    public void Narrow0IsAViewOfOuterRows()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        using var rows = x.Narrow0(1, 2);
        Assert.Same(x.Storage, rows.Storage);
        Assert.Equal([3f, 4f, 5f, 6f], rows.ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow0(2, 2));
    }

    [Fact]
    public void StorageIsFreedWhenItsLastTensorIsDisposed()
    {
        long before = CpuStorage.LiveBytes;
        var x = Tensor.Zeros([1000, 10]);
        Assert.Equal(before + 40_000, CpuStorage.LiveBytes);

        var view = x.Reshape(10, 1000);
        x.Dispose();
        Assert.True(x.IsDisposed);
        Assert.False(view.Storage.IsReleased);
        Assert.Equal(before + 40_000, CpuStorage.LiveBytes);
        Assert.Equal(0f, view.AsSpan<float>()[999]);

        view.Dispose();
        view.Dispose();
        Assert.True(view.Storage.IsReleased);
        Assert.Equal(before, CpuStorage.LiveBytes);
        Assert.Throws<ObjectDisposedException>(() => view.AsSpan<float>());
        Assert.Throws<ObjectDisposedException>(() => x.Reshape(10, 1000));
    }

    [Fact]
    public void ScopeDisposesIntermediatesAndDetachKeepsTheResult()
    {
        long before = CpuStorage.LiveBytes;
        Tensor kept, intermediate;
        using (TensorScope.Begin())
        {
            using var scale = Tensor.FromArray([2f], 1);
            var input = TestTensors.Random(1, 4, 8);
            intermediate = input.Affine(2f, 1f);
            kept = (intermediate * scale).Detach();
            Assert.True(CpuStorage.LiveBytes > before);
        }

        Assert.True(intermediate.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(before + kept.ByteLength, CpuStorage.LiveBytes);
        kept.Dispose();
        Assert.Equal(before, CpuStorage.LiveBytes);
    }

    [Fact]
    public void DetachInANestedScopeHandsTheTensorToTheOuterScope()
    {
        long before = CpuStorage.LiveBytes;
        Tensor result;
        using (var outer = TensorScope.Begin())
        {
            using (TensorScope.Begin())
            {
                result = Tensor.Zeros([16]).Detach();
            }

            Assert.False(result.IsDisposed);
            Assert.Equal(1, outer.Count);
        }

        Assert.True(result.IsDisposed);
        Assert.Equal(before, CpuStorage.LiveBytes);
    }

    [Fact]
    public void ScopesMustCloseInnermostFirst()
    {
        var outer = TensorScope.Begin();
        var inner = TensorScope.Begin();
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        inner.Dispose();
        outer.Dispose();
    }

    [Fact]
    public void FromSpanChecksLengthAndElementSize()
    {
        using var x = Tensor.FromSpan<long>([1L, 2L, 3L], [3], DType.I64);
        Assert.Equal([1L, 2L, 3L], x.ToArray<long>());
        Assert.Throws<ArgumentException>(() => Tensor.FromSpan<long>([1L, 2L], [3], DType.I64));
        Assert.Throws<ArgumentException>(() => Tensor.FromSpan<int>([1, 2, 3], [3], DType.I64));
        Assert.Throws<InvalidOperationException>(() => x.AsSpan<float>());
    }
}
