using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// One fixture case as an xunit test: serializable as (folder, case name), displayed as <c>folder/case</c>, with the
/// traits <c>Category=Fixtures</c> and <c>Fixture=&lt;folder&gt;</c> so that
/// <c>dotnet test --filter "Category=Fixtures&amp;Fixture=torch-randn"</c> selects one folder. Skipped, with the
/// reason, when no runner exists for the folder or the runner cannot run the case yet.
/// </summary>
public sealed class FixtureTestCase : XunitTestCase
{
    /// <summary>The case name used when the folder itself could not be read.</summary>
    public const string FolderError = "(cases.json)";

    /// <summary>Called by the de-serializer; should only be called by deriving classes for de-serialization purposes.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public FixtureTestCase()
    {
    }

    /// <summary>A test for case <paramref name="caseName"/> of folder <paramref name="fixture"/>.</summary>
    /// <param name="error">When set, the test fails with this message (the folder could not be read).</param>
    public FixtureTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        string fixture,
        string caseName,
        string? error = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, [fixture, caseName, error])
    {
    }

    /// <summary>The fixture folder name.</summary>
    public string Fixture => (string)TestMethodArguments[0];

    /// <summary>The case name within the folder.</summary>
    public string CaseName => (string)TestMethodArguments[1];

    /// <inheritdoc />
    protected override void Initialize()
    {
        base.Initialize();
        Traits["Category"] = ["Fixtures"];
        Traits["Fixture"] = [Fixture];
    }

    /// <inheritdoc />
    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => $"{Fixture}/{CaseName}";

    /// <inheritdoc />
    protected override string? GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethodArguments[2] is null ? FixtureRunners.SkipReason(Fixture, CaseName) : null;
}
