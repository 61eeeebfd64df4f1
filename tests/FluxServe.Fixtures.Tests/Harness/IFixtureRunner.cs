namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// Runs the cases of one fixture folder against FluxServe's implementation. One class per folder name, registered
/// in <see cref="FixtureRunners"/>; see README.md.
/// </summary>
public interface IFixtureRunner
{
    /// <summary>
    /// Why <paramref name="fixtureCase"/> cannot run yet (reported as skipped), or null when it can. Decided at
    /// test discovery, from the case's JSON only.
    /// </summary>
    string? SkipReason(FixtureCase fixtureCase) => null;

    /// <summary>Runs one case; throws (an assertion) on any mismatch.</summary>
    void Run(FixtureCase fixtureCase);
}
