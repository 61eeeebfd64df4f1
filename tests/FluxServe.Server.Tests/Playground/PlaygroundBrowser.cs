using Microsoft.Playwright;

namespace FluxServe.Server.Tests.Playground;

/// <summary>
/// One headless Chromium per test class, started on first use through Playwright with the system's executable
/// (<c>ExecutablePath</c>), so no browser is downloaded.
/// </summary>
public sealed class PlaygroundBrowser : IAsyncLifetime
{
    private readonly Lazy<Task<(IPlaywright Playwright, IBrowser Browser)>> _started = new(StartAsync);

    /// <summary>The Chromium to drive: <c>FLUXSERVE_CHROMIUM</c>, else the first one installed where Debian puts it.</summary>
    public static string? ChromiumPath { get; } = FindChromium();

    public async Task<IBrowser> BrowserAsync() => (await _started.Value).Browser;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_started.IsValueCreated)
        {
            var (playwright, browser) = await _started.Value;
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task<(IPlaywright, IBrowser)> StartAsync()
    {
        string executable = ChromiumPath ?? throw new InvalidOperationException("No Chromium is installed.");
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true });
        return (playwright, browser);
    }

    private static string? FindChromium()
    {
        string? configured = Environment.GetEnvironmentVariable("FLUXSERVE_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        return ((string[])["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"])
            .FirstOrDefault(File.Exists);
    }
}
