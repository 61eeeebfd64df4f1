namespace FluxServe.Server.Generation;

/// <summary>The images of a batch: <see cref="Items"/>[i] holds the images of request item i.</summary>
/// <param name="Items">Per item, its encoded images in sample order.</param>
public sealed record GeneratedImages(IReadOnlyList<IReadOnlyList<GeneratedImage>> Items);
