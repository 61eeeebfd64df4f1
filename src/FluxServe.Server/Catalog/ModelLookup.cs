namespace FluxServe.Server.Catalog;

/// <summary>What a model name in a URL refers to.</summary>
/// <param name="Endpoint">The endpoint, when the name is served by this build.</param>
/// <param name="NotFoundMessage">Why not, when <paramref name="Endpoint"/> is null (answered as 404).</param>
public sealed record ModelLookup(ModelEndpoint? Endpoint, string? NotFoundMessage);
