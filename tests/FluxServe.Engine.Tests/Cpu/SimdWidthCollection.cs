using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>
/// Tests that cap <see cref="KernelDispatch.Limit"/> change process-wide state, so they run in this collection, which
/// xunit runs on its own after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimdWidthCollection
{
    public const string Name = "SIMD width";

    /// <summary>Every width the kernels have, widest first; those the hardware lacks fall back to the next one.</summary>
    public static TheoryData<int> Widths => new() { (int)SimdWidth.W512, (int)SimdWidth.W256, (int)SimdWidth.W128, (int)SimdWidth.Scalar };

    /// <summary>Caps the kernel width until disposed.</summary>
    internal static WidthLimit Limit(int width) => new((SimdWidth)width);

    internal readonly struct WidthLimit : IDisposable
    {
        private readonly SimdWidth _previous;

        public WidthLimit(SimdWidth width)
        {
            _previous = KernelDispatch.Limit;
            KernelDispatch.Limit = width;
        }

        public void Dispose() => KernelDispatch.Limit = _previous;
    }
}
