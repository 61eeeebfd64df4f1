namespace FluxServe.Client;

/// <summary>The image of a synchronous call and what its headers said.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="MediaType">Its media type (<c>image/jpeg</c>, ...).</param>
/// <param name="RequestId">The request id (readable through v2 until it expires).</param>
/// <param name="Seed">The seed actually used.</param>
/// <param name="RemainingCredits">The account's balance after the call.</param>
public sealed record GeneratedImage(byte[] Bytes, string MediaType, string RequestId, ulong Seed, decimal? RemainingCredits);
