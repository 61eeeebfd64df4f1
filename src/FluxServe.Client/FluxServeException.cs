using System.Net;

namespace FluxServe.Client;

/// <summary>The server answered an error; <see cref="Exception.Message"/> is its one-sentence <c>error</c>.</summary>
public sealed class FluxServeException : Exception
{
    /// <summary>Creates the exception for an answer.</summary>
    /// <param name="statusCode">The HTTP status (400, 401, 404, 406, 429, 502, 504, ...).</param>
    /// <param name="message">The server's sentence.</param>
    public FluxServeException(HttpStatusCode statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Creates an exception without a status.</summary>
    public FluxServeException()
    {
    }

    /// <summary>Creates an exception without a status.</summary>
    public FluxServeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception without a status.</summary>
    public FluxServeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }
}
