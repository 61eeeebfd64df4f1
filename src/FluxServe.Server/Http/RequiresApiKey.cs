namespace FluxServe.Server.Http;

/// <summary>Endpoint metadata: the route needs an API key (<c>x-api-key</c> or <c>Authorization: Bearer</c>).</summary>
public sealed class RequiresApiKey
{
    public static readonly RequiresApiKey Instance = new();

    private RequiresApiKey()
    {
    }
}
