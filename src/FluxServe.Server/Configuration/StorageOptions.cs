namespace FluxServe.Server.Configuration;

/// <summary>Where the job database and result images live (section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>Folder for <c>fluxserve.db</c> and <c>outputs/</c>; relative paths are from the working directory.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>How long SQLite waits for another process's write lock.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
