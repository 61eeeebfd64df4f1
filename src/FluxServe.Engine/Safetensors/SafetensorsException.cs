namespace FluxServe.Engine.Safetensors;

/// <summary>
/// A safetensors file, index or folder is malformed, inconsistent or lacks a requested tensor. The message names the
/// file and, where one is involved, the tensor.
/// </summary>
public sealed class SafetensorsException : Exception
{
    /// <summary>Creates an exception with no file attached (prefer the constructor that names the file).</summary>
    public SafetensorsException()
        : this("The safetensors data is invalid.")
    {
    }

    /// <summary>Creates an exception with a message and no file attached.</summary>
    public SafetensorsException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates an exception with a message, no file attached, and the exception that caused it.</summary>
    public SafetensorsException(string message, Exception? innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates an exception about <paramref name="filePath"/> (and <paramref name="tensorName"/>, if any).</summary>
    /// <param name="filePath">The file (or index, or folder) at fault.</param>
    /// <param name="tensorName">The tensor at fault, or null when the problem is not about one tensor.</param>
    /// <param name="message">The full sentence; it should name the file and the tensor.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public SafetensorsException(string filePath, string? tensorName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>The file, index or folder at fault (empty when unknown).</summary>
    public string FilePath { get; }

    /// <summary>The tensor at fault, or null when the problem is not about one tensor.</summary>
    public string? TensorName { get; }

    /// <summary>Creates an exception about one tensor of a file, with a message naming both.</summary>
    internal static SafetensorsException ForTensor(string filePath, string tensorName, string problem, Exception? inner = null) =>
        new(filePath, tensorName, $"Safetensors file '{filePath}': tensor '{tensorName}' {problem}", inner);

    /// <summary>Creates an exception about a whole file, with a message naming it.</summary>
    internal static SafetensorsException ForFile(string filePath, string problem, Exception? inner = null) =>
        new(filePath, null, $"Safetensors file '{filePath}': {problem}", inner);
}
