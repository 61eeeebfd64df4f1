namespace FluxServe.Server.Loras;

/// <summary>
/// A LoRA file copied in full (and flushed to disk) under a temporary name in <c>{DataFolder}/loras/</c>, hashed,
/// waiting for <see cref="LoraStore.Register(string, LoraStagedFile, long, string?)"/>. Disposing it deletes the
/// copy unless it was registered.
/// </summary>
public sealed class LoraStagedFile : IDisposable
{
    internal LoraStagedFile(string path, string sourceName, string sha256, long bytes)
    {
        Path = path;
        SourceName = sourceName;
        Sha256 = sha256;
        Bytes = bytes;
    }

    /// <summary>Where the copy came from (a path or an upload's file name): error messages name it instead of the temporary copy.</summary>
    public string SourceName { get; }

    /// <summary>SHA-256 of the content, lowercase hex.</summary>
    public string Sha256 { get; }

    /// <summary>The content's length.</summary>
    public long Bytes { get; }

    internal string Path { get; }

    internal bool Registered { get; set; }

    public void Dispose()
    {
        if (!Registered)
        {
            LoraStore.DeleteQuietly(Path);
        }
    }
}
