using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;
using FluxServe.Server.Accounts;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests;

/// <summary>
/// The server with the real pipeline installed: the tiny fixture models assembled as <c>{models}/flux-schnell</c>, found
/// through <c>Models:Folders</c> as an operator would install them, no test generator.
/// </summary>
public sealed class RealGenerationTests
{
    [Fact]
    public async Task V1_flux_schnell_returns_the_pipelines_own_jpeg_and_v2_completes_with_progress()
    {
        string models = TemporaryFolder.Create();
        string modelFolder = TinyFluxModels.AssembleDiffusers(Path.Combine(models, "flux-schnell"), "schnell");
        string data = TemporaryFolder.Create();
        var app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", data, "--Models:Folders:0", models, "--Logging:LogLevel:Default", "Warning"]);
        await app.StartAsync();
        try
        {
            var accounts = app.Services.GetRequiredService<AccountStore>();
            string key = accounts.CreateKey("real", Credits.ToMicro(1), null).Key;
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("x-api-key", key);

            using var v1 = await http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"a bengal tiger","seed":42,"width":128,"height":128,"steps":2}"""));
            Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
            Assert.Equal("image/jpeg", v1.Content.Headers.ContentType?.MediaType);
            Assert.Equal("42", v1.Headers.GetValues("x-seed-value").Single());
            byte[] served = await v1.Content.ReadAsByteArrayAsync();

            // The same request through the library: the server adds nothing and loses nothing.
            using (var model = FluxModel.Load(modelFolder))
            using (var images = new TextToImagePipeline(model).Generate(new TextToImageRequest { Prompt = "a bengal tiger", Seed = 42, Width = 128, Height = 128, Steps = 2 }))
            {
                Assert.Equal(ImageEncoder.Encode(images.Images[0], Pipelines.Imaging.ImageFormat.Jpeg, 90), served);
            }

            using var submit = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"a lighthouse","seed":7,"width":128,"height":192,"steps":3}"""));
            var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
            var status = await TestServer.WaitFinishedAsync(http, submitted.GetProperty("request_id").GetString()!, TimeSpan.FromMinutes(5));
            Assert.Equal("COMPLETED", status.GetProperty("status").GetString());
            var result = await http.GetFromJsonAsync<JsonElement>(submitted.GetProperty("response_url").GetString());
            string url = result.GetProperty("output")[0].GetString()!;
            byte[] image = await http.GetByteArrayAsync(url);
            using var decoded = ImageDecoder.Decode(image);
            Assert.Equal((128, 192), (decoded.Width, decoded.Height));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
