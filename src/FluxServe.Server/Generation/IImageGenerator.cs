namespace FluxServe.Server.Generation;

/// <summary>Makes images for one base model on one device; the server's workers call it, one worker per device.</summary>
/// <remarks>
/// The real text-to-image pipeline plugs in with one registration,
/// <c>services.AddSingleton&lt;IImageGenerator, TheGenerator&gt;()</c> (see <see cref="FluxServeApp"/>). A model with no
/// generator is "not installed": submits for it answer 502 and nothing is charged, never a placeholder image.
/// </remarks>
public interface IImageGenerator
{
    /// <summary>The base model served: <c>flux-schnell</c> (also behind <c>fast-flux-schnell</c>) or <c>flux-dev</c>.</summary>
    string Model { get; }

    /// <summary>The device the generator computes on (<c>cpu</c>, <c>cuda:0</c>, ...); jobs run on that device's worker.</summary>
    string Device { get; }

    /// <summary>How many jobs with the same batch settings the generator can run in one forward pass (1: no batching).</summary>
    int MaxBatchItems { get; }

    /// <summary>Generates every item of <paramref name="request"/>, reporting each finished denoising step.</summary>
    /// <returns>One list of encoded images per item, in item order, each with the item's number of samples.</returns>
    /// <exception cref="GenerationRejectedException">The request cannot be served for a reason the client should read.</exception>
    /// <exception cref="OperationCanceledException">Every job in the batch was cancelled, or the server is stopping.</exception>
    Task<GeneratedImages> GenerateAsync(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken);
}
