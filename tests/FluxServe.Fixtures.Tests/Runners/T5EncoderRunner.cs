using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.T5;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary><c>t5-tiny</c>: <c>T5EncoderModel(input_ids)</c> → last_hidden_state, no attention mask.</summary>
public sealed class T5EncoderRunner : IFixtureRunner
{
    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        using var encoder = T5Checkpoint.Load(fixtureCase.ResolvePath(fixtureCase.Json.GetProperty("weights").GetString()!));
        using var ids = fixtureCase.Input("input_ids");
        using var hidden = encoder.Forward(ids);
        using var expected = fixtureCase.Tensor(fixtureCase.OutputName("last_hidden_state"));
        FixtureAssert.Close(expected, hidden, fixtureCase.Tolerance, $"{fixtureCase} last_hidden_state");
    }
}
