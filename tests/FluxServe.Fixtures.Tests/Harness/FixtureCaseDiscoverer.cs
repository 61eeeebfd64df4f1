using Xunit.Abstractions;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// Enumerates every folder under <see cref="FixturesRoot"/> and every case of its <c>cases.json</c> into
/// <see cref="FixtureTestCase"/>s. Nothing is hard-coded: a different fixture set with the same folder names runs
/// its own cases. A missing fixtures folder or an unreadable <c>cases.json</c> becomes a failing test, never silence.
/// </summary>
public sealed class FixtureCaseDiscoverer : IXunitTestCaseDiscoverer
{
    private readonly IMessageSink _diagnosticMessageSink;

    /// <summary>Created by xunit.</summary>
    public FixtureCaseDiscoverer(IMessageSink diagnosticMessageSink) => _diagnosticMessageSink = diagnosticMessageSink;

    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var result = new List<IXunitTestCase>();

        string root;
        try
        {
            root = FixturesRoot.Path;
        }
        catch (DirectoryNotFoundException ex)
        {
            // One failing test per registered fixture, so a filter on Fixture=<name> fails loudly too.
            foreach (string name in FixtureRunners.RegisteredFixtures)
            {
                result.Add(new FixtureTestCase(_diagnosticMessageSink, display, displayOptions, testMethod, name, FixtureTestCase.FolderError, ex.Message));
            }

            return result;
        }

        var folders = Directory.GetDirectories(root);
        Array.Sort(folders, StringComparer.Ordinal);
        foreach (string folderPath in folders)
        {
            string name = Path.GetFileName(folderPath);
            FixtureFolder folder;
            try
            {
                folder = FixtureFolder.Load(folderPath);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                result.Add(new FixtureTestCase(_diagnosticMessageSink, display, displayOptions, testMethod, name, FixtureTestCase.FolderError, ex.Message));
                continue;
            }

            foreach (var fixtureCase in folder.Cases)
            {
                result.Add(new FixtureTestCase(_diagnosticMessageSink, display, displayOptions, testMethod, name, fixtureCase.Name));
            }
        }

        return result;
    }
}
