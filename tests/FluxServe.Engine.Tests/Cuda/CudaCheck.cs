using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cuda;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>How close a CUDA result must be to the CPU's: |g − e| ≤ Relative·|e| + Absolute·rms(e), and ‖g − e‖ / ‖e‖ ≤ RelativeL2.</summary>
public readonly record struct CudaTolerance(double Relative, double Absolute, double RelativeL2)
{
    /// <summary>Float32 arithmetic on both sides; only summation order differs.</summary>
    public static CudaTolerance F32 { get; } = new(1e-4, 1e-4, 1e-5);

    /// <summary>bf16 activations (8 significant bits) with float32 accumulation.</summary>
    public static CudaTolerance BF16 { get; } = new(2e-2, 2e-2, 1e-2);

    /// <summary>The tolerance of an activation dtype.</summary>
    public static CudaTolerance For(DType activation) => activation == DType.F32 ? F32 : BF16;

    /// <summary>This tolerance with every bound multiplied by <paramref name="factor"/>.</summary>
    public CudaTolerance Times(double factor) => new(Relative * factor, Absolute * factor, RelativeL2 * factor);
}

/// <summary>Moving test data between the host and a CUDA backend, and comparing with the CPU oracle.</summary>
public static class CudaCheck
{
    /// <summary>
    /// A host float32 tensor of uniform values in [low, high); for bf16 activations the values are rounded to bf16,
    /// so the CPU oracle and the device see the very same inputs.
    /// </summary>
    public static Tensor HostRandom(int seed, DType activation, float low, float high, params int[] shape)
    {
        var random = new Random(seed);
        float[] data = new float[Tensor.ComputeLength(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = low + ((high - low) * (float)random.NextDouble());
        }

        Round(data, activation);
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Values uniform in [−1, 1).</summary>
    public static Tensor HostRandom(int seed, DType activation, params int[] shape) => HostRandom(seed, activation, -1f, 1f, shape);

    /// <summary>Rounds <paramref name="data"/> in place to what <paramref name="dtype"/> can hold.</summary>
    public static void Round(Span<float> data, DType dtype)
    {
        if (dtype == DType.F32)
        {
            return;
        }

        byte[] bytes = new byte[data.Length * dtype.SizeOf()];
        FloatConversion.FromSingle(data, dtype, bytes);
        FloatConversion.ToSingle(dtype, bytes, data);
    }

    /// <summary>A host float32 tensor stored as <paramref name="dtype"/> on the device (converted on the host).</summary>
    public static Tensor Upload(CudaBackend backend, Tensor host, DType dtype)
    {
        if (host.DType == dtype || !host.DType.IsFloatingPoint())
        {
            return backend.Copy(host, backend.Device);
        }

        using var converted = Tensor.Empty(host.Shape, dtype);
        FloatConversion.FromSingle(host.AsSpan<float>(), dtype, converted.AsBytes());
        return backend.Copy(converted, backend.Device);
    }

    /// <summary>A host float32 tensor on the device in the backend's activation dtype.</summary>
    public static Tensor Upload(CudaBackend backend, Tensor host) => Upload(backend, host, backend.ActivationDType);

    /// <summary>A device float tensor's values on the host as float32 (converted on the host).</summary>
    public static float[] Download(CudaBackend backend, Tensor device)
    {
        using var host = backend.Copy(device, Device.Cpu);
        if (host.DType == DType.F32)
        {
            return host.ToArray<float>();
        }

        float[] values = new float[host.Length];
        FloatConversion.ToSingle(host.DType, host.AsBytes(), values);
        return values;
    }

    /// <summary>
    /// True when the case is too large for the host emulation of the GPU (scripts/gpu/test-on-emulator.sh), which then
    /// skips it; always false on a real device. <paramref name="work"/> is the case's multiply-adds or elements.
    /// </summary>
    public static bool TooLargeForEmulation(double work) => CudaTestDevice.IsEmulated && work > 3e7;

    /// <summary>The CPU backend (the oracle).</summary>
    public static CpuBackend Cpu => CpuBackend.Instance;

    /// <summary>Asserts the device result <paramref name="actual"/> matches the CPU's <paramref name="expected"/> (float32, host).</summary>
    public static void AssertClose(Tensor expected, CudaBackend backend, Tensor actual, CudaTolerance tolerance, string what)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.Equal(backend.ActivationDType, actual.DType);
        AssertClose(expected.ToArray<float>(), Download(backend, actual), tolerance, $"{what} [{backend.ActivationDType}] {Tensor.FormatShape(actual.Shape)}");
    }

    /// <summary>Asserts <paramref name="actual"/> matches <paramref name="expected"/> within <paramref name="tolerance"/>; NaN only where expected.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, CudaTolerance tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double squares = 0, errors = 0;
        int finite = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsFinite(expected[i]))
            {
                squares += (double)expected[i] * expected[i];
                finite++;
            }
        }

        double rms = finite == 0 ? 0 : Math.Sqrt(squares / finite);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], g = actual[i];
            if (double.IsNaN(e) || double.IsInfinity(e))
            {
                Assert.True(e.Equals(g), $"{what}: element {i} is {g:R}, expected {e:R}");
                continue;
            }

            double error = Math.Abs(g - e);
            Assert.True(
                !double.IsNaN(g) && error <= (tolerance.Relative * Math.Abs(e)) + (tolerance.Absolute * rms) + 1e-30,
                $"{what}: element {i} is {g:R}, expected {e:R} (|error| {error:G3}, rms {rms:G3})");
            errors += error * error;
        }

        double relative = squares == 0 ? Math.Sqrt(errors) : Math.Sqrt(errors / squares);
        Assert.True(relative <= tolerance.RelativeL2 || squares == 0 && relative <= tolerance.Absolute, $"{what}: relative L2 error {relative:G3} > {tolerance.RelativeL2:G3}");
    }
}
