using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// Marks a method <c>(string fixture, string caseName)</c> that runs one fixture case; discovery yields one test per
/// case of every fixture folder (<see cref="FixtureCaseDiscoverer"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("FluxServe.Fixtures.Tests.Harness.FixtureCaseDiscoverer", "FluxServe.Fixtures.Tests")]
public sealed class FixtureCasesAttribute : FactAttribute
{
}
