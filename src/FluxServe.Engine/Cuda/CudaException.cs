namespace FluxServe.Engine.Cuda;

/// <summary>
/// A call into the CUDA driver, NVRTC or cuBLASLt failed. The message names the call, the library's status code and
/// its own description of it, so a log line says what went wrong without a debugger.
/// </summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public CudaException()
        : this("A CUDA call failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public CudaException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public CudaException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Call = string.Empty;
    }

    /// <summary>Creates an exception for the failed <paramref name="call"/> that returned <paramref name="status"/>.</summary>
    /// <param name="call">The native function (and, where useful, what it was asked to do).</param>
    /// <param name="status">The library's status code.</param>
    /// <param name="description">The library's name and description of the status.</param>
    public CudaException(string call, int status, string description)
        : base($"{call} failed with status {status} ({description}).")
    {
        Call = call;
        Status = status;
    }

    /// <summary>The native call that failed (empty when the exception is not about one call).</summary>
    public string Call { get; }

    /// <summary>The status code it returned (0 when the exception is not about one call).</summary>
    public int Status { get; }
}
