namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Fills <paramref name="tensor"/> (F32, BF16, F16 or F8E4M3FN) with normal samples from a counter-based hash of
    /// (<paramref name="seed"/>, index): the same values for the same seed on any GPU. For tests and benchmarks (random
    /// weights made on the device); not PyTorch's generator.
    /// </summary>
    public void FillNormal(Tensor tensor, ulong seed, float mean = 0f, float standardDeviation = 1f)
    {
        RequireFloat(tensor, nameof(tensor));
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(tensor.Pointer);
        args.Add(tensor.Length);
        args.Add(seed);
        args.Add(mean);
        args.Add(standardDeviation);
        LaunchElementwise(CudaKernels.Random, CudaKernels.FillNormal(tensor.DType), tensor.Length, ref args);
    }

    /// <summary>Fills <paramref name="tensor"/> (F32, BF16 or F16) with uniform samples in [low, high).</summary>
    public void FillUniform(Tensor tensor, ulong seed, float low, float high)
    {
        RequireFloat(tensor, nameof(tensor));
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(tensor.Pointer);
        args.Add(tensor.Length);
        args.Add(seed);
        args.Add(low);
        args.Add(high);
        LaunchElementwise(CudaKernels.Random, CudaKernels.FillUniform(tensor.DType), tensor.Length, ref args);
    }

    /// <summary>Sets every element of <paramref name="tensor"/> (F32, BF16 or F16) to <paramref name="value"/> (rounded to its dtype).</summary>
    public void FillValue(Tensor tensor, float value)
    {
        RequireFloat(tensor, nameof(tensor));
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(tensor.Pointer);
        args.Add(tensor.Length);
        args.Add(value);
        LaunchElementwise(CudaKernels.Random, CudaKernels.FillValue(tensor.DType), tensor.Length, ref args);
    }
}
