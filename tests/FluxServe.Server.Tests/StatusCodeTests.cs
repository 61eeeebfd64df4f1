using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>Every status code of API.md, each where it belongs, with a JSON error body.</summary>
public sealed class StatusCodeTests : IAsyncLifetime
{
    private TestServer? _server;

    private TestServer Server => _server!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(null, null, ("RateLimits:SubmitsPerWindow", "1000"));

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task V2_submit_is_200_with_request_id_and_urls()
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"a tiger","width":256,"height":256}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        string id = body.GetProperty("request_id").GetString()!;
        Assert.EndsWith($"/v2/requests/{id}/status", body.GetProperty("status_url").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"/v2/requests/{id}", body.GetProperty("response_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(id, response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("0.003", response.Headers.GetValues("x-cost").Single());
        Assert.Equal("0.997", response.Headers.GetValues("x-remaining-credits").Single());
        Assert.Equal("123456789", response.Headers.GetValues("x-seed-value").Single());
    }

    [Theory]
    [InlineData("""{"steps":4}""", "prompt", "required")]
    [InlineData("""{"prompt":""}""", "prompt", "non-empty string")]
    [InlineData("""{"prompt":"x","steps":9}""", "steps", "integer 1..8")]
    [InlineData("""{"prompt":"x","steps":"four"}""", "steps", "integer 1..8")]
    [InlineData("""{"prompt":"x","steps":2.5}""", "steps", "integer 1..8")]
    [InlineData("""{"prompt":"x","width":1000}""", "width", "integer 128..2048, multiple of 16")]
    [InlineData("""{"prompt":"x","height":64}""", "height", "integer 128..2048, multiple of 16")]
    [InlineData("""{"prompt":"x","samples":5}""", "samples", "integer 1..4")]
    [InlineData("""{"prompt":"x","denoise":1.5}""", "denoise", "number 0..1")]
    [InlineData("""{"prompt":"x","seed":-1}""", "seed", "integer 0..18446744073709551615")]
    [InlineData("""{"prompt":"x","seed":18446744073709551616}""", "seed", "integer 0..18446744073709551615")]
    [InlineData("""{"prompt":"x","sampler_name":"euler_magic"}""", "sampler_name", "one of")]
    [InlineData("""{"prompt":"x","scheduler":"linear"}""", "scheduler", "one of")]
    [InlineData("""{"prompt":"x","base64":"maybe"}""", "base64", "boolean")]
    [InlineData("""{"prompt":"x","webhook_url":"ftp://x"}""", "webhook_url", "absolute http(s) URL")]
    [InlineData("""{"prompt":7}""", "prompt", "string")]
    public async Task Invalid_parameter_is_400_naming_the_field_and_rule(string json, string field, string rule)
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, body.GetProperty("field").GetString());
        Assert.StartsWith(rule, body.GetProperty("rule").GetString(), StringComparison.Ordinal);
        Assert.Contains(field, body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1m, Server.Balance(key)); // nothing charged
    }

    [Fact]
    public async Task Every_broken_rule_is_listed()
    {
        using var http = Server.Client(Server.CreateKey(1));
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"steps":0,"samples":9,"scheduler":"x"}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["prompt", "steps", "scheduler", "samples"], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    public async Task Malformed_body_is_400(string body)
    {
        using var http = Server.Client(Server.CreateKey(1));
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Permissive_inputs_are_accepted()
    {
        using var http = Server.Client(Server.CreateKey(1));
        // integral float, numeric string, case-insensitive enum, ComfyUI alias, null as absent, unknown field ignored
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json(
            """{"prompt":"x","steps":4.0,"width":"256","height":256,"sampler_name":"EULER_CFG_PP","scheduler":null,"seed":"18446744073709551615","extra":1}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("18446744073709551615", response.Headers.GetValues("x-seed-value").Single());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("fs_000000000000_nottherightsecretatall")]
    [InlineData("garbage")]
    public async Task Missing_or_unknown_key_is_401(string? key)
    {
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()));
        using var status = await http.GetAsync("/v2/requests/00000000-0000-0000-0000-000000000000/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
    }

    [Fact]
    public async Task Right_key_id_with_wrong_secret_is_401_and_bearer_works()
    {
        string key = Server.CreateKey(1);
        using (var wrong = Server.Client(key[..^1] + (key[^1] == 'A' ? 'B' : 'A')))
        using (var response = await wrong.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":256,"height":256}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var bearer = Server.Client();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var ok = await bearer.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":256,"height":256}"""));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Key_limited_to_other_models_is_403()
    {
        string key = Server.CreateKey(1, "flux-dev");
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("flux-schnell", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v2/no-such-model", "Unknown model")]
    [InlineData("/v2/40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora", "No LoRA endpoint")]
    public async Task Unknown_model_or_lora_endpoint_is_404(string path, string words)
    {
        using var http = Server.Client(Server.CreateKey(1));
        using var response = await http.PostAsync(path, TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(words, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(response.Headers.Contains("x-remaining-credits"));
    }

    [Fact]
    public async Task Unknown_request_id_is_404()
    {
        using var http = Server.Client(Server.CreateKey(1));
        foreach (string path in (string[])["/v2/requests/nope/status", "/v2/requests/nope", "/v2/requests/nope/events", "/v2/outputs/0123456789abcdef0123456789abcdef.png"])
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Another_accounts_request_is_404()
    {
        using var owner = Server.Client(Server.CreateKey(1));
        using var other = Server.Client(Server.CreateKey(1));
        var submitted = await (await owner.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":256,"height":256}"""))).Content.ReadFromJsonAsync<JsonElement>();
        string id = submitted.GetProperty("request_id").GetString()!;
        using var response = await other.GetAsync($"/v2/requests/{id}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var cancel = await other.PostAsync($"/v2/requests/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/flux-schnell", "POST")]
    [InlineData("PUT", "/v2/flux-schnell", "POST")]
    [InlineData("POST", "/v2/requests/abc/status", "GET")]
    [InlineData("PUT", "/v2/requests/abc", "DELETE")]
    [InlineData("POST", "/metrics", "GET")]
    public async Task Wrong_method_is_405_with_allow(string method, string path, string allowed)
    {
        using var http = Server.Client(Server.CreateKey(1));
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = TestServer.Json("{}") };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains(allowed, response.Content.Headers.Allow);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Short_of_credits_is_406_and_costs_nothing()
    {
        string key = Server.CreateKey(0.002m);
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal("0.002", response.Headers.GetValues("x-remaining-credits").Single());
        Assert.Contains("credits", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.002m, Server.Balance(key));
    }

    [Fact]
    public async Task Failed_job_result_is_422_with_the_detail_and_refunded()
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        var submitted = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x [reject]","width":256,"height":256}"""))).Content.ReadFromJsonAsync<JsonElement>();
        string id = submitted.GetProperty("request_id").GetString()!;
        var status = await TestServer.WaitFinishedAsync(http, id);
        Assert.Equal("FAILED", status.GetProperty("status").GetString());
        using var response = await http.GetAsync($"/v2/requests/{id}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FAILED", body.GetProperty("status").GetString());
        Assert.Equal("The prompt was blocked by the content filter.", body.GetProperty("error").GetString());
        Assert.Equal(0m, body.GetProperty("metrics").GetProperty("cost").GetDecimal());
        Assert.Equal(1m, Server.Balance(key));
    }

    [Fact]
    public async Task Crashing_generator_gives_a_sentence_never_a_stack_trace()
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        using var v1 = await http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"x [fail]","width":256,"height":256}"""));
        Assert.Equal(HttpStatusCode.InternalServerError, v1.StatusCode);
        string text = await v1.Content.ReadAsStringAsync();
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain("stack trace", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.Contains("refunded", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1m, Server.Balance(key));
    }

    [Fact]
    public async Task Redux_without_its_model_is_502_before_the_input_is_fetched()
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v1/flux-redux-schnell", TestServer.Json("""{"redux_image":"http://192.0.2.1/never-fetched.png"}"""));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("flux-redux-schnell is not installed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1m, Server.Balance(key));
    }

    [Fact]
    public async Task Model_without_a_generator_is_502_and_costs_nothing()
    {
        string key = Server.CreateKey(1);
        using var http = Server.Client(key);
        using var response = await http.PostAsync("/v2/flux-dev", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("not installed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1m, Server.Balance(key));
    }
}
