using System.Collections.Concurrent;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Vae;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>ae-tiny</c> and <c>ae-tiny-f8</c>: <c>AutoEncoder.decode(z)</c> (z/scale + shift, then the decoder) and
/// <c>AutoEncoder.encode(x)</c> (scale·(mean − shift)), told apart by the case's <c>function</c>.
/// </summary>
public sealed class AutoEncoderRunner : IFixtureRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<AutoEncoder>> s_models = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        string weights = fixtureCase.ResolvePath(fixtureCase.Json.TryGetProperty("weights", out var w) ? w.GetString()! : "model.safetensors");
        var model = s_models.GetOrAdd(weights, path => new Lazy<AutoEncoder>(() => AutoEncoderCheckpoint.Load(path))).Value;
        if (fixtureCase.Function.Contains(".decode(", StringComparison.Ordinal))
        {
            using var z = fixtureCase.Input("z");
            using var image = model.Decode(z);
            using var expected = fixtureCase.Tensor(fixtureCase.OutputName("image"));
            FixtureAssert.Close(expected, image, fixtureCase.Tolerance, $"{fixtureCase} image");
        }
        else if (fixtureCase.Function.Contains(".encode(", StringComparison.Ordinal))
        {
            using var x = fixtureCase.Input("x");
            using var z = model.Encode(x);
            using var expected = fixtureCase.Tensor(fixtureCase.OutputName("z"));
            FixtureAssert.Close(expected, z, fixtureCase.Tolerance, $"{fixtureCase} z");
        }
        else
        {
            throw new InvalidOperationException($"{fixtureCase}: unknown autoencoder function '{fixtureCase.Function}'.");
        }
    }
}
