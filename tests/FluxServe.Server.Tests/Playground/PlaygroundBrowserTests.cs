using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Loras;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Server.Tests.Loras;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FluxServe.Server.Tests.Playground;

/// <summary>
/// The playground in a real Chromium against a real server (test-pattern generator for flux-schnell), under the page's
/// own Content-Security-Policy (not bypassed): a generation with queue and step progress, a validation error, a cancel,
/// forms built from /openapi.json, and a phone-width layout.
/// </summary>
public sealed class PlaygroundBrowserTests : IClassFixture<PlaygroundBrowser>
{
    // The first image decoded, or an error shown (the wait ends at once then, and the test says what it was).
    private const string ImageOrError = """
        () => {
          const i = document.querySelector('#images img');
          return (i !== null && i.complete && i.naturalWidth > 0) || !document.getElementById('error').hidden;
        }
        """;

    // Records every text the status line shows, so a test can see the live updates after the fact.
    private const string RecordStatus = """
        () => {
          window.statusLog = [];
          const status = document.getElementById('status');
          new MutationObserver(() => window.statusLog.push(status.textContent))
            .observe(status, { childList: true, characterData: true, subtree: true });
        }
        """;

    private readonly PlaygroundBrowser _browser;

    public PlaygroundBrowserTests(PlaygroundBrowser browser) => _browser = browser;

    [ChromiumFact]
    public async Task Generates_an_image_showing_queue_position_step_progress_seed_cost_and_credits()
    {
        var generator = new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(250), maxBatchItems: 1);
        await using var server = await TestServer.StartAsync(generator);
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        await using var session = await OpenAsync(server);
        var page = session.Page;

        await page.FillAsync("#api-key", key);
        await page.SelectOptionAsync("#model", "flux-schnell");
        const string prompt = "a lighthouse at dawn";
        await page.FillAsync("#field-prompt", prompt);
        await page.FillAsync("#field-width", "256");
        await page.FillAsync("#field-height", "256");
        // The largest seed is beyond a JavaScript number: the page must send it exactly as typed.
        await page.FillAsync("#field-seed", "18446744073709551615");
        await page.EvaluateAsync(RecordStatus);

        // A job ahead of ours keeps the single worker busy, so ours is seen waiting in the queue first.
        using var ahead = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"ahead","width":128,"height":128,"steps":6}"""));
        ahead.EnsureSuccessStatusCode();
        await page.ClickAsync("#submit");
        await WaitForImageAsync(page, 60_000);

        int[] size = await page.EvalOnSelectorAsync<int[]>("#images img", "i => [i.naturalWidth, i.naturalHeight]");
        Assert.Equal([256, 256], size);
        double[] progress = await page.EvalOnSelectorAsync<double[]>("#progress", "p => [p.value, p.max]");
        Assert.Equal([4.0, 4.0], progress);

        string[] log = await page.EvaluateAsync<string[]>("() => window.statusLog");
        int queued = Array.IndexOf(log, "Queued: position 1.");
        Assert.True(queued >= 0, "status lines: " + string.Join(" | ", log));
        var steps = log.Select((text, index) => (text, index)).Where(e => e.text.StartsWith("Processing: step ", StringComparison.Ordinal))
            .Select(e => (Step: int.Parse(e.text["Processing: step ".Length..e.text.IndexOf(' ', "Processing: step ".Length)], CultureInfo.InvariantCulture), e.index))
            .ToList();
        Assert.True(steps.Count >= 2 && steps[0].Step < 4, "status lines: " + string.Join(" | ", log));
        Assert.True(steps[0].index > queued);
        Assert.Equal(steps.Select(s => s.Step).Order(), steps.Select(s => s.Step)); // live, in order
        Assert.Contains(log, t => t is "Processing: step 4 of 4." or "Completed: step 4 of 4.");
        Assert.Equal("Completed: 1 image.", log[^1]);

        // What the page shows against the server's own record of the request.
        string id = await page.TextContentAsync("#fact-request") ?? "";
        var result = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{id}");
        Assert.Equal("COMPLETED", result.GetProperty("status").GetString());
        Assert.Equal("18446744073709551615", result.GetProperty("seed_value").GetString());
        Assert.Equal("18446744073709551615", await page.TextContentAsync("#fact-seed"));
        decimal cost = result.GetProperty("metrics").GetProperty("cost").GetDecimal();
        Assert.Equal(cost, decimal.Parse(await page.TextContentAsync("#fact-cost") ?? "", CultureInfo.InvariantCulture));
        Assert.Equal(server.Balance(key), decimal.Parse(await page.TextContentAsync("#fact-credits") ?? "", CultureInfo.InvariantCulture));
        Assert.True(server.Balance(key) < 1 - cost); // both jobs were paid for
        string src = await page.GetAttributeAsync("#images img", "src") ?? "";
        Assert.Equal(result.GetProperty("output")[0].GetString(), src);
        using var anonymous = server.Client();
        Assert.Equal(TestPatternGenerator.Pattern(256, 256, ulong.MaxValue, 0, prompt), await anonymous.GetByteArrayAsync(src));

        // The key: in this tab's session storage only, never in the URL, local storage or on the console.
        Assert.Equal(key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('fluxserve.playground.apiKey')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
        session.AssertQuietConsole(key);
        await page.ReloadAsync();
        await page.WaitForFunctionAsync("() => !document.getElementById('model').disabled");
        Assert.Equal(key, await page.InputValueAsync("#api-key"));
    }

    [ChromiumFact]
    public async Task Steps_99_shows_the_servers_error_on_the_steps_field_and_charges_nothing()
    {
        await using var server = await TestServer.StartAsync();
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        using var direct = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","steps":99}"""));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, direct.StatusCode);
        string sentence = (await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        await using var session = await OpenAsync(server);
        var page = session.Page;

        await page.FillAsync("#api-key", key);
        await page.SelectOptionAsync("#model", "flux-schnell");
        await page.FillAsync("#field-prompt", "x");
        await page.FillAsync("#field-steps", "99");
        await page.ClickAsync("#submit");
        await page.WaitForSelectorAsync("#error:not([hidden])");

        string shown = await page.InnerTextAsync("#error");
        Assert.Contains("400: " + sentence, shown, StringComparison.Ordinal);
        Assert.Contains("steps", sentence, StringComparison.Ordinal);
        Assert.Equal("true", await page.GetAttributeAsync("#field-steps", "aria-invalid"));
        Assert.Contains(sentence, await page.InnerTextAsync("#field-steps-error"), StringComparison.Ordinal);
        Assert.Contains("field-steps-error", await page.GetAttributeAsync("#field-steps", "aria-describedby"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#images img").CountAsync());
        Assert.Equal(1m, server.Balance(key));
        Assert.Equal("Not submitted.", await page.TextContentAsync("#status"));
        session.AssertQuietConsole(key);

        // Two broken rules: both listed and both fields marked.
        await page.FillAsync("#field-width", "100");
        await page.ClickAsync("#submit");
        await page.WaitForSelectorAsync("#error li");
        string[] items = await page.EvalOnSelectorAllAsync<string[]>("#error li", "items => items.map(i => i.textContent)");
        Assert.Equal(2, items.Length);
        Assert.StartsWith("steps: ", items[0], StringComparison.Ordinal);
        Assert.StartsWith("width: ", items[1], StringComparison.Ordinal);
        Assert.Equal("true", await page.GetAttributeAsync("#field-width", "aria-invalid"));
        Assert.Equal("true", await page.GetAttributeAsync("#field-steps", "aria-invalid"));
        Assert.Equal(1, await page.Locator("#field-steps-error").CountAsync()); // replaced, not added again

        // Fixing the fields clears the marks on the next submit.
        await page.FillAsync("#field-steps", "2");
        await page.FillAsync("#field-width", "128");
        await page.FillAsync("#field-height", "128");
        await page.ClickAsync("#submit");
        await WaitForImageAsync(page);
        Assert.Null(await page.GetAttributeAsync("#field-steps", "aria-invalid"));
        Assert.True(await page.Locator("#error").IsHiddenAsync());
    }

    [ChromiumFact]
    public async Task Cancel_stops_a_running_job_shows_why_and_the_credits_come_back()
    {
        var generator = new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(400), maxBatchItems: 1);
        await using var server = await TestServer.StartAsync(generator);
        string key = server.CreateKey(1);
        await using var session = await OpenAsync(server);
        var page = session.Page;

        await page.FillAsync("#api-key", key);
        await page.SelectOptionAsync("#model", "flux-schnell");
        await page.FillAsync("#field-prompt", "never finished");
        await page.FillAsync("#field-steps", "8");
        await page.FillAsync("#field-width", "128");
        await page.FillAsync("#field-height", "128");
        await page.ClickAsync("#submit");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('Processing: step')");
        Assert.True(server.Balance(key) < 1m);
        await page.ClickAsync("#cancel");
        await page.WaitForSelectorAsync("#error:not([hidden])");

        Assert.Contains("cancelled", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("Failed.", await page.TextContentAsync("#status"));
        Assert.Equal(0, await page.Locator("#images img").CountAsync());
        Assert.Equal(1m, server.Balance(key));
        Assert.Equal(1m, decimal.Parse(await page.TextContentAsync("#fact-credits") ?? "", CultureInfo.InvariantCulture));
        Assert.True(await page.IsDisabledAsync("#cancel"));
        Assert.True(await page.IsEnabledAsync("#submit"));
        session.AssertQuietConsole(key);
    }

    [ChromiumFact]
    public async Task Model_picker_and_forms_follow_the_openapi_document_with_lora_endpoints_and_a_file_picker()
    {
        await using var server = await TestServer.StartAsync(null, null, ("Models:Folders:0", LoraFiles.TinyDevModels));
        string key = server.CreateKey(1);
        var record = server.Services.GetRequiredService<LoraStore>().Register("mystyle", LoraFiles.Fixture("lora_bfl.safetensors"), server.AccountOf(key), "zxq", CancellationToken.None);
        using var http = server.Client();
        var doc = await http.GetFromJsonAsync<JsonElement>("/openapi.json");
        var expected = new List<(string Name, JsonElement Schema)>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            if (path.Name.StartsWith("/v2/", StringComparison.Ordinal) && path.Name.Count(c => c == '/') == 2 && !path.Name.Contains('{', StringComparison.Ordinal)
                && path.Value.TryGetProperty("post", out var post))
            {
                expected.Add((path.Name[4..], post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")));
            }
        }

        Assert.Equal(5, expected.Count);
        await using var session = await OpenAsync(server);
        var page = session.Page;

        string[] options = await page.EvalOnSelectorAllAsync<string[]>("#model option", "os => os.map(o => o.value)");
        Assert.Equal(expected.Select(e => e.Name), options);
        string endpoint = record.Id + "-mystyle";
        Assert.Contains(endpoint, options);
        Assert.Equal("LoRA endpoints", await page.EvalOnSelectorAsync<string>($"#model option[value='{endpoint}']", "o => o.parentElement.label"));

        foreach (var (name, schema) in expected)
        {
            await page.SelectOptionAsync("#model", name);
            var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToHashSet();
            var fields = await page.EvaluateAsync<JsonElement>("""
                () => [...document.querySelectorAll('#params [data-field]')].filter(c => c.matches('input:not([type=file]), select, textarea')).map(c => ({
                  name: c.dataset.field, tag: c.tagName, type: c.type ?? '', required: c.required, min: c.min ?? '', max: c.max ?? '',
                  value: c.value, checked: c.checked === true, labelled: c.labels.length > 0,
                  options: c.tagName === 'SELECT' ? [...c.options].map(o => o.value) : [] }))
                """);
            var properties = schema.GetProperty("properties").EnumerateObject().Where(p => p.Name != "base64").ToList();
            Assert.Equal(properties.Select(p => p.Name), fields.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
            foreach (var (property, field) in properties.Zip(fields.EnumerateArray()))
            {
                CheckField(name, property, field, required.Contains(property.Name));
            }
        }

        // Redux: a chosen local file becomes the data URI the server accepts as redux_image.
        await page.SelectOptionAsync("#model", "flux-redux-schnell");
        byte[] png = PngEncoder.Encode(20, 12, (x, y) => ((byte)(x * 12), (byte)(y * 20), 90));
        await page.SetInputFilesAsync("#field-redux_image-file", new FilePayload { Name = "input.png", MimeType = "image/png", Buffer = png });
        await page.WaitForFunctionAsync("() => document.getElementById('field-redux_image').value.startsWith('data:')");
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), await page.InputValueAsync("#field-redux_image"));
        Assert.StartsWith("blob:", await page.GetAttributeAsync(".field[data-field=redux_image] .preview", "src"), StringComparison.Ordinal);
        Assert.Equal(20, await page.EvalOnSelectorAsync<int>(".field[data-field=redux_image] .preview", "i => new Promise(r => i.complete ? r(i.naturalWidth) : i.addEventListener('load', () => r(i.naturalWidth)))"));
        session.AssertQuietConsole(key);
    }

    [ChromiumFact]
    public async Task At_phone_width_the_page_and_a_large_result_fit_without_horizontal_scrolling()
    {
        await using var server = await TestServer.StartAsync();
        string key = server.CreateKey(1);
        await using var session = await OpenAsync(server, width: 360, height: 740);
        var page = session.Page;

        await page.FillAsync("#api-key", key);
        await page.SelectOptionAsync("#model", "flux-schnell");
        await page.FillAsync("#field-prompt", "wide");
        await page.FillAsync("#field-width", "768");
        await page.FillAsync("#field-height", "512");
        await page.FillAsync("#field-steps", "1");
        await page.ClickAsync("#submit");
        await WaitForImageAsync(page);

        Assert.Equal(768, await page.EvalOnSelectorAsync<int>("#images img", "i => i.naturalWidth"));
        Assert.True(await page.EvalOnSelectorAsync<double>("#images img", "i => i.getBoundingClientRect().right") <= 360);
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 360);
        var submit = await page.Locator("#submit").BoundingBoxAsync();
        Assert.NotNull(submit);
        Assert.True(submit.Height >= 44, $"submit is {submit.Height}px high"); // a comfortable touch target
        foreach (string model in (string[])["fast-flux-schnell", "flux-redux-schnell", "flux-dev"])
        {
            await page.SelectOptionAsync("#model", model);
            Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 360, model);
        }
    }

    private static async Task WaitForImageAsync(IPage page, float timeout = 30_000)
    {
        await page.WaitForFunctionAsync(ImageOrError, null, new PageWaitForFunctionOptions { Timeout = timeout });
        if (await page.Locator("#error").IsVisibleAsync())
        {
            Assert.Fail("The page shows an error instead of the image: " + await page.InnerTextAsync("#error"));
        }
    }

    private static void CheckField(string model, JsonProperty property, JsonElement field, bool required)
    {
        string where = $"{model}.{property.Name}";
        var schema = property.Value;
        Assert.True(field.GetProperty("labelled").GetBoolean(), where + " has no label");
        Assert.Equal(required, field.GetProperty("required").GetBoolean());
        bool hasDefault = schema.TryGetProperty("default", out var fallback);
        if (schema.TryGetProperty("enum", out var values))
        {
            Assert.Equal("SELECT", field.GetProperty("tag").GetString());
            var expectedOptions = values.EnumerateArray().Select(v => v.GetString()).ToList();
            if (!required && !hasDefault)
            {
                expectedOptions.Insert(0, "");
            }

            Assert.Equal(expectedOptions, field.GetProperty("options").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal(hasDefault ? fallback.GetString() : "", field.GetProperty("value").GetString());
            return;
        }

        string type = schema.GetProperty("type").GetString()!;
        switch (type)
        {
            case "boolean":
                Assert.Equal("checkbox", field.GetProperty("type").GetString());
                Assert.Equal(hasDefault && fallback.GetBoolean(), field.GetProperty("checked").GetBoolean());
                break;
            case "integer" or "number" when property.Name == "seed":
                // Typed as digits: 2^64-1 is beyond a JavaScript number input.
                Assert.Equal("text", field.GetProperty("type").GetString());
                Assert.Equal(hasDefault ? fallback.GetRawText() : "", field.GetProperty("value").GetString());
                break;
            case "integer" or "number":
                Assert.Equal("number", field.GetProperty("type").GetString());
                Assert.Equal(schema.GetProperty("minimum").GetDouble(), double.Parse(field.GetProperty("min").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(schema.GetProperty("maximum").GetDouble(), double.Parse(field.GetProperty("max").GetString()!, CultureInfo.InvariantCulture));
                if (hasDefault)
                {
                    Assert.Equal(fallback.GetDouble(), double.Parse(field.GetProperty("value").GetString()!, CultureInfo.InvariantCulture));
                }
                else
                {
                    Assert.Equal("", field.GetProperty("value").GetString());
                }

                break;
            default:
                Assert.Equal(property.Name == "prompt" ? "TEXTAREA" : "INPUT", field.GetProperty("tag").GetString());
                if (schema.TryGetProperty("format", out var format) && format.GetString() == "uri")
                {
                    Assert.Equal("url", field.GetProperty("type").GetString());
                }

                Assert.Equal(hasDefault ? fallback.GetString() : "", field.GetProperty("value").GetString());
                break;
        }
    }

    private async Task<BrowserSession> OpenAsync(TestServer server, int width = 1280, int height = 900)
    {
        var browser = await _browser.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page);
        await page.GotoAsync(new Uri(server.BaseAddress, "/playground").ToString());
        await page.WaitForFunctionAsync("() => !document.getElementById('model').disabled");
        return session;
    }

    /// <summary>A browser context with its page and everything the page wrote to the console.</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private readonly List<string> _console = [];

        public BrowserSession(IBrowserContext context, IPage page)
        {
            Context = context;
            Page = page;
            page.Console += (_, message) =>
            {
                lock (_console)
                {
                    _console.Add($"{message.Type}: {message.Text}");
                }
            };
            page.PageError += (_, error) =>
            {
                lock (_console)
                {
                    _console.Add("uncaught: " + error);
                }
            };
        }

        public IBrowserContext Context { get; }

        public IPage Page { get; }

        /// <summary>
        /// Nothing on the console but the browser's own note of an HTTP error answer (a 400 or 422 the page shows):
        /// no secret, no script error, no Content-Security-Policy violation.
        /// </summary>
        public void AssertQuietConsole(string key)
        {
            lock (_console)
            {
                Assert.DoesNotContain(_console, line => line.Contains(key, StringComparison.Ordinal));
                Assert.DoesNotContain(_console, line => !line.StartsWith("error: Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal));
            }
        }

        public async ValueTask DisposeAsync() => await Context.DisposeAsync();
    }
}
