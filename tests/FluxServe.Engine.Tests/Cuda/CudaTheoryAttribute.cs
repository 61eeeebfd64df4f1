namespace FluxServe.Engine.Tests.Cuda;

/// <summary>A theory that is skipped, with the reason, where there is no CUDA device.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (CudaTestDevice.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
