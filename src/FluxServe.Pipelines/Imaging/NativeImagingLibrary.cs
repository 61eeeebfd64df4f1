namespace FluxServe.Pipelines.Imaging;

/// <summary>The clear error for a system imaging library that is not installed.</summary>
internal static class NativeImagingLibrary
{
    /// <summary>
    /// The exception to throw when <paramref name="library"/> cannot be loaded: names the Debian package that
    /// provides it, which <c>scripts/prerequisites.sh</c> installs.
    /// </summary>
    public static InvalidOperationException Missing(string library, string debianPackage, Exception inner) =>
        new($"The system library {library} is not installed; install the Debian package {debianPackage} (scripts/prerequisites.sh does).", inner);
}
