using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FluxServe.GpuBench;

/// <summary>
/// Runs the xunit 2 tests of an assembly in this process with xunit's own discoverer and executor
/// (<c>xunit.execution</c>), so the GPU machine needs no .NET SDK and no test host: the published GpuBench carries the
/// test assembly and its dependencies. Prints one line per failure and skip, and the closing "N passed, N failed" line.
/// </summary>
public sealed class InProcessTestRunner
{
    private readonly TextWriter _log;

    public InProcessTestRunner(TextWriter log) => _log = log;

    /// <summary>Runs the tests of <paramref name="assembly"/> whose class full name contains <paramref name="filter"/>; returns the failure count.</summary>
    public int Run(Assembly assembly, string filter)
    {
        var diagnostics = new Sink(_ => { });
        using var framework = new XunitTestFramework(diagnostics);
        var assemblyInfo = new ReflectionAssemblyInfo(assembly);

        var cases = new List<ITestCase>();
        using (var discoveryDone = new ManualResetEventSlim())
        {
            var discoverySink = new Sink(message =>
            {
                if (message is ITestCaseDiscoveryMessage found && found.TestCase.TestMethod.TestClass.Class.Name.Contains(filter, StringComparison.Ordinal))
                {
                    cases.Add(found.TestCase);
                }
                else if (message is IDiscoveryCompleteMessage)
                {
                    discoveryDone.Set();
                }
            });
            using var discoverer = framework.GetDiscoverer(assemblyInfo);
            var discoveryOptions = new Options();
            discoveryOptions.SetValue("xunit.discovery.PreEnumerateTheories", false);
            discoverer.Find(includeSourceInformation: false, discoverySink, discoveryOptions);
            discoveryDone.Wait();
        }

        _log.WriteLine($"tests: {cases.Count} test cases in classes matching '{filter}'");
        int passed = 0, failed = 0, skipped = 0;
        var failures = new ConcurrentQueue<string>();
        using (var executionDone = new ManualResetEventSlim())
        {
            var executionSink = new Sink(message =>
            {
                switch (message)
                {
                    case ITestPassed pass:
                        Interlocked.Increment(ref passed);
                        _log.WriteLine($"  PASS {pass.Test.DisplayName} ({pass.ExecutionTime:F2} s)");
                        break;
                    case ITestFailed fail:
                        Interlocked.Increment(ref failed);
                        string text = $"  FAIL {fail.Test.DisplayName}: {string.Join(" | ", fail.Messages)}{Environment.NewLine}{string.Join(Environment.NewLine, fail.StackTraces)}";
                        failures.Enqueue(text);
                        _log.WriteLine(text);
                        break;
                    case ITestSkipped skip:
                        Interlocked.Increment(ref skipped);
                        _log.WriteLine($"  SKIP {skip.Test.DisplayName}: {skip.Reason}");
                        break;
                    case ITestAssemblyFinished:
                        executionDone.Set();
                        break;
                }
            });
            using var executor = framework.GetExecutor(assembly.GetName());
            var executionOptions = new Options();
            executionOptions.SetValue("xunit.execution.DisableParallelization", true);
            executionOptions.SetValue("xunit.execution.SynchronousMessageReporting", true);
            executor.RunTests(cases, executionSink, executionOptions);
            executionDone.Wait();
        }

        if (!failures.IsEmpty)
        {
            _log.WriteLine("failures:");
            foreach (string failure in failures)
            {
                _log.WriteLine(failure.Split(Environment.NewLine)[0]);
            }
        }

        _log.WriteLine($"tests: {passed} passed, {failed} failed, {skipped} skipped");
        return failed;
    }

    private sealed class Sink(Action<IMessageSinkMessage> handle) : Xunit.LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message)
        {
            handle(message);
            return true;
        }
    }

    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out object? value) && value is TValue typed ? typed : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
