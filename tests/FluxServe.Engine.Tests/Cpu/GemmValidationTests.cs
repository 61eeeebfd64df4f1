using FluxServe.Engine.Cpu.Gemm;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>Argument checks of <see cref="Sgemm.Multiply"/>, with messages that name the offending sizes.</summary>
public sealed unsafe class GemmValidationTests
{
    [Fact]
    public void Bad_arguments_are_rejected_with_the_sizes_in_the_message()
    {
        float[] buffer = new float[64];
        fixed (float* p = buffer)
        {
            float* x = p;
            Assert.Contains("lda (2)", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, x, 2, x, 2, DType.F32, GemmBLayout.KByN, x, 2)).Message, StringComparison.Ordinal);
            Assert.Contains("ldb (2)", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, x, 3, x, 2, DType.F32, GemmBLayout.NByK, x, 2)).Message, StringComparison.Ordinal);
            Assert.Contains("ldc (1)", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, x, 3, x, 2, DType.F32, GemmBLayout.KByN, x, 1)).Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, x, 3, x, 3, DType.I32, GemmBLayout.NByK, x, 2));
            Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, null, 3, x, 3, DType.F32, GemmBLayout.NByK, x, 2));
            Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, 2, 3, x, 3, x, 3, DType.F32, GemmBLayout.NByK, null, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(-1, 2, 3, x, 3, x, 3, DType.F32, GemmBLayout.NByK, x, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(2, 2, 3, x, 3, x, 3, DType.F32, GemmBLayout.NByK, x, 2, activation: (Activation)99));

            // Empty products are fine and touch nothing.
            Sgemm.Multiply(0, 5, 5, null, 5, null, 5, DType.F32, GemmBLayout.NByK, null, 5);
        }
    }
}
