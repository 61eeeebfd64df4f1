using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Redux;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>redux-tiny</c>: BFL's <c>ReduxImageEncoder</c> with its SigLIP stubbed, i.e. <c>redux_down(silu(redux_up(h)))</c>
/// on the recorded SigLIP features, through <see cref="ReduxCheckpoint"/> and <see cref="ReduxEmbedder"/>.
/// </summary>
public sealed class ReduxRunner : IFixtureRunner
{
    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        using var embedder = ReduxCheckpoint.Load(fixtureCase.ResolvePath(fixtureCase.Json.GetProperty("weights").GetString()!));
        using var features = fixtureCase.Input("siglip_last_hidden_state");
        using var tokens = embedder.Forward(features);
        using var expected = fixtureCase.Tensor(fixtureCase.OutputName("redux_tokens"));
        FixtureAssert.Close(expected, tokens, fixtureCase.Tolerance, $"{fixtureCase} redux_tokens");
    }
}
