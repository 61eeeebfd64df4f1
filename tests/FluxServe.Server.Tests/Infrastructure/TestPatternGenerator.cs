using FluxServe.Server.Generation;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>
/// TEST DOUBLE, never registered by the real server: stands in for the text-to-image pipeline (not built yet) and
/// draws a deterministic pattern from the seed, the sample index and the prompt, as PNG. It honours cancellation,
/// reports every step, can be slowed down, and fails on purpose for prompts containing "[fail]" (a crash) or
/// "[reject]" (a <see cref="GenerationRejectedException"/>).
/// </summary>
internal sealed class TestPatternGenerator : IImageGenerator
{
    private int _batches;

    public TestPatternGenerator(string model = "flux-schnell", TimeSpan? stepDelay = null, int maxBatchItems = 4)
    {
        Model = model;
        StepDelay = stepDelay ?? TimeSpan.Zero;
        MaxBatchItems = maxBatchItems;
    }

    public string Model { get; }

    public string Device => "cpu";

    public int MaxBatchItems { get; }

    public TimeSpan StepDelay { get; set; }

    public int Batches => Volatile.Read(ref _batches);

    /// <summary>Number of items of every batch run so far.</summary>
    public List<int> BatchSizes { get; } = [];

    public async Task<GeneratedImages> GenerateAsync(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batches);
        lock (BatchSizes)
        {
            BatchSizes.Add(request.Items.Count);
        }

        if (request.Items.Any(i => i.Prompt.Contains("[fail]", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("test generator crash (with a stack trace that must never reach a client)");
        }

        if (request.Items.Any(i => i.Prompt.Contains("[reject]", StringComparison.Ordinal)))
        {
            throw new GenerationRejectedException("The prompt was blocked by the content filter.");
        }

        for (int step = 1; step <= request.Steps; step++)
        {
            if (StepDelay > TimeSpan.Zero)
            {
                await Task.Delay(StepDelay, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            progress.Report(new StepProgress(step, request.Steps));
        }

        var items = new List<IReadOnlyList<GeneratedImage>>(request.Items.Count);
        foreach (var item in request.Items)
        {
            var images = new List<GeneratedImage>(item.Samples);
            for (int sample = 0; sample < item.Samples; sample++)
            {
                images.Add(new GeneratedImage(Pattern(request.Width, request.Height, item.Seed, sample, item.Prompt), ImageFormat.Png));
            }

            items.Add(images);
        }

        return new GeneratedImages(items);
    }

    /// <summary>The pattern for (seed, sample, prompt): what tests compare served bytes against.</summary>
    public static byte[] Pattern(int width, int height, ulong seed, int sample, string prompt)
    {
        uint hash = 2166136261;
        foreach (char c in prompt)
        {
            hash = (hash ^ c) * 16777619;
        }

        byte tint = (byte)hash;
        byte s = (byte)(seed % 251);
        return PngEncoder.Encode(width, height, (x, y) => ((byte)((x + s) & 255), (byte)((y + (sample * 64)) & 255), (byte)(((x ^ y) + tint + (int)(seed >> 8)) & 255)));
    }
}
