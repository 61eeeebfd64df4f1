using FluxServe.Pipelines.Imaging;

namespace FluxServe.Server.Generation;

/// <summary>
/// Checks a finished image before it is stored (the hook of API.md's <c>disable_safety_checker</c>). Register one with
/// <c>services.AddSingleton&lt;ISafetyChecker, TheChecker&gt;()</c>; without one, images are not checked and the server
/// says so at start and in <c>/readyz</c>. A blocked image fails its job (v2 result 422) with the verdict's reason,
/// and the job is refunded.
/// </summary>
public interface ISafetyChecker
{
    /// <summary>A short name for logs and <c>/readyz</c>.</summary>
    string Name { get; }

    /// <summary>Judges one decoded output image.</summary>
    SafetyVerdict Check(RgbImage image, CancellationToken cancellationToken);
}
