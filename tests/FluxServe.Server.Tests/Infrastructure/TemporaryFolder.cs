namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>Unique folders under the system temporary folder.</summary>
internal static class TemporaryFolder
{
    public static string Create()
    {
        string path = Path.Combine(Path.GetTempPath(), "fluxserve-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
