using FluxServe.Pipelines.TextToImage;

namespace FluxServe.Server.Generation;

/// <summary>Forwards the pipelines' per-step reports to the worker's progress.</summary>
internal sealed class PipelineProgress(IProgress<StepProgress> inner) : IProgress<GenerationProgress>
{
    public void Report(GenerationProgress value) => inner.Report(new StepProgress(value.Step, value.TotalSteps));
}
