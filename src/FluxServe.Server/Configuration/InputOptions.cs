namespace FluxServe.Server.Configuration;

/// <summary>Limits on input images that a request names by URL or carries as base64 (section <c>Inputs</c>; docs/inputs.md).</summary>
public sealed class InputOptions
{
    /// <summary>Largest image accepted, in bytes, whether downloaded or decoded from base64 (default 20 MiB).</summary>
    public long MaxImageBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Time allowed for a whole download: name resolution, connects, every redirect hop, headers and body (default 15 s).</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Redirects followed before the download is refused (default 3; 0 follows none).</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>Addresses fetched from even though the address policy refuses them: CIDR blocks (<c>10.20.0.0/16</c>) or single
    /// addresses (<c>127.0.0.2</c>). For intranet deployments and tests; empty by default.</summary>
    /// <remarks>Host names refused by name (cloud metadata hosts) stay refused whatever is listed here.</remarks>
    public IList<string> AllowedAddresses { get; } = [];
}
