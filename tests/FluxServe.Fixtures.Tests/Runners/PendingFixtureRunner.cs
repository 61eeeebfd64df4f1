using FluxServe.Fixtures.Tests.Harness;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>A registered fixture whose implementation does not exist yet: every case is skipped with the reason.</summary>
public sealed class PendingFixtureRunner(string reason) : IFixtureRunner
{
    /// <summary>Why the fixture cannot run.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public string? SkipReason(FixtureCase fixtureCase) => Reason;

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase) =>
        throw new InvalidOperationException($"{fixtureCase} is pending ({Reason}) and should have been skipped.");
}
