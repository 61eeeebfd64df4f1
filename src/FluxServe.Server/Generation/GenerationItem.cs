namespace FluxServe.Server.Generation;

/// <summary>One job's part of a batch: its prompt, seed and number of images.</summary>
/// <param name="Prompt">The text prompt.</param>
/// <param name="Seed">The request seed (spec/sampling.md §7: noise equals PyTorch's CPU <c>manual_seed(seed); randn</c>).</param>
/// <param name="Samples">Images to make from this seed (one noise tensor [Samples,16,h,w]).</param>
/// <param name="InputImagePath">The stored input image of an image endpoint (<c>flux-redux-schnell</c>), else null.</param>
public sealed record GenerationItem(string Prompt, ulong Seed, int Samples, string? InputImagePath = null);
