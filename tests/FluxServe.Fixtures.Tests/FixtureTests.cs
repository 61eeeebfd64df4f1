using FluxServe.Fixtures.Tests.Harness;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests;

/// <summary>Every case of every fixture folder, one test each (see <see cref="FixtureCaseDiscoverer"/>).</summary>
public sealed class FixtureTests
{
    /// <summary>Runs one fixture case; <paramref name="error"/> is set when its folder could not be read.</summary>
    [FixtureCases]
    public void Case(string fixture, string caseName, string? error)
    {
        if (error is not null)
        {
            throw new XunitException($"Fixture '{fixture}': {error}");
        }

        FixtureRunners.Run(fixture, caseName);
    }
}
