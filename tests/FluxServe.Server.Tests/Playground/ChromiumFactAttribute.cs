namespace FluxServe.Server.Tests.Playground;

/// <summary>A fact that drives the playground in the system's Chromium through Playwright (no browser download).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (PlaygroundBrowser.ChromiumPath is null)
        {
            Skip = "Chromium is not installed (Debian: apt-get install chromium; or set FLUXSERVE_CHROMIUM to its executable); "
                + "the playground's browser tests need it.";
        }
    }
}
