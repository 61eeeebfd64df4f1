using FluxServe.Fixtures.Tests.Harness;

namespace FluxServe.Fixtures.Tests.HarnessTests;

/// <summary>The harness finds the fixtures and reads every case; unknown folders are skipped, not passed.</summary>
[Trait("Category", "Harness")]
public sealed class FixtureDiscoveryTests
{
    [Fact]
    public void Fixtures_root_exists_and_every_folder_has_cases()
    {
        string root = FixturesRoot.Path;
        Assert.True(Directory.Exists(root), root);
        foreach (string folder in Directory.GetDirectories(root))
        {
            var loaded = FixtureFolder.Load(folder);
            Assert.NotEmpty(loaded.Cases);
            Assert.Equal(loaded.Cases.Count, loaded.Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        }
    }

    [Fact]
    public void Repository_root_holds_the_solution() =>
        Assert.True(File.Exists(Path.Combine(FixturesRoot.FindRepositoryRoot(), "FluxServe.slnx")));

    [Fact]
    public void Unknown_fixture_is_skipped_with_a_reason() =>
        Assert.Equal("no runner for fixture 'no-such-fixture'", FixtureRunners.SkipReason("no-such-fixture", "any"));

    [Fact]
    public void Pending_fixture_is_skipped_with_its_reason()
    {
        var pending = new Runners.PendingFixtureRunner("the widget is not implemented yet");
        var anyCase = FixtureFolder.Load(Directory.GetDirectories(FixturesRoot.Path)[0]).Cases[0];
        Assert.Equal("the widget is not implemented yet", ((IFixtureRunner)pending).SkipReason(anyCase));
        Assert.Throws<InvalidOperationException>(() => pending.Run(anyCase));
    }
}
