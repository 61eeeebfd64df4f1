using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Storage;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>FLUXSERVE__ environment variables configure a server process (prices, limits, retention).</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task Environment_variables_set_prices_and_limits()
    {
        string data = TemporaryFolder.Create();
        try
        {
            string key;
            using (var database = ServerDatabase.Open(data, TimeSpan.FromSeconds(5)))
            {
                key = new AccountStore(database, TimeProvider.System).CreateKey("env", Credits.ToMicro(10), null).Key;
            }

            var environment = new Dictionary<string, string>
            {
                ["FLUXSERVE__Prices__flux-schnell__PerImage"] = "0.5",
                ["FLUXSERVE__Prices__flux-schnell__PerMegapixelStep"] = "0.25",
                ["FLUXSERVE__RateLimits__SubmitsPerWindow"] = "2",
            };
            using var server = await ServerProcess.StartAsync(data, 0, environment);
            using var http = server.Client(key);
            using var first = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":1000,"height":1000,"steps":2}"""));
            Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode); // 1000 is not a multiple of 16; still counts against the limit
            using var second = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":1024,"height":1024,"steps":2,"samples":2}"""));
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            // 2 × (0.5 + 0.25 × 1.048576 MP × 2 steps) = 2.048576
            Assert.Equal("2.048576", second.Headers.GetValues("x-cost").Single());
            using var third = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""));
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            string id = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
            Assert.Equal("COMPLETED", (await TestServer.WaitFinishedAsync(http, id)).GetProperty("status").GetString());
            server.KillHard();
        }
        finally
        {
            TemporaryFolder.Delete(data);
        }
    }
}
