namespace FluxServe.Server.Generation;

/// <summary>One encoded image.</summary>
/// <param name="Bytes">The file's bytes.</param>
/// <param name="Format">Its encoding (normally the requested one).</param>
public sealed record GeneratedImage(ReadOnlyMemory<byte> Bytes, ImageFormat Format);
