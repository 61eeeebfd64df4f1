namespace FluxServe.Server.Catalog;

/// <summary>A request's input image as stored for its job: the file name in the inputs folder and the decoded size.</summary>
/// <param name="FileName">The unguessable file name under <c>{data}/inputs</c>.</param>
/// <param name="Width">Width in pixels, from the image's header.</param>
/// <param name="Height">Height in pixels, from the image's header.</param>
public sealed record InputImage(string FileName, int Width, int Height);
