namespace FluxServe.Server.Inputs;

/// <summary>Thrown by <see cref="SafeImageFetcher"/>'s connect callback when the address policy refuses a host; the fetcher turns
/// it into an <see cref="InputImageException"/> that names the field and the hop.</summary>
internal sealed class RefusedConnectionException : Exception
{
    public RefusedConnectionException()
        : this("an address this server does not fetch from")
    {
    }

    public RefusedConnectionException(string description)
        : base(description)
    {
    }

    public RefusedConnectionException(string description, Exception innerException)
        : base(description, innerException)
    {
    }

    /// <summary>What the host is, as a noun phrase ("a loopback address", "a host that resolves only to ...").</summary>
    public string Description => Message;
}
