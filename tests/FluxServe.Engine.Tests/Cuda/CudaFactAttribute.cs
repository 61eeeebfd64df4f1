namespace FluxServe.Engine.Tests.Cuda;

/// <summary>A fact that is skipped, with the reason, where there is no CUDA device (xunit 2 has no dynamic skip).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (CudaTestDevice.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
