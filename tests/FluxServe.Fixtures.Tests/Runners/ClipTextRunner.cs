using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Clip;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary><c>clip-text-tiny</c>: <c>CLIPTextModel(input_ids)</c> → last_hidden_state and pooler_output (the FLUX vector).</summary>
public sealed class ClipTextRunner : IFixtureRunner
{
    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        using var encoder = ClipTextCheckpoint.Load(fixtureCase.ResolvePath(fixtureCase.Json.GetProperty("weights").GetString()!));
        using var ids = fixtureCase.Input("input_ids");
        var (hidden, pooled) = encoder.Forward(ids);
        using (hidden)
        using (pooled)
        {
            if (fixtureCase.Intermediates.TryGetProperty("eos_position", out var eosName))
            {
                using var eos = fixtureCase.Tensor(eosName.GetString()!);
                long[] expected = FixtureTensors.ToInt64s(eos);
                for (int b = 0; b < expected.Length; b++)
                {
                    Assert.Equal(expected[b], encoder.EosPosition(ids, b));
                }
            }

            using var expectedHidden = fixtureCase.Tensor(fixtureCase.OutputName("last_hidden_state"));
            using var expectedPooled = fixtureCase.Tensor(fixtureCase.OutputName("pooler_output"));
            FixtureAssert.Close(expectedHidden, hidden, fixtureCase.Tolerance, $"{fixtureCase} last_hidden_state");
            FixtureAssert.Close(expectedPooled, pooled, fixtureCase.Tolerance, $"{fixtureCase} pooler_output");
        }
    }
}
