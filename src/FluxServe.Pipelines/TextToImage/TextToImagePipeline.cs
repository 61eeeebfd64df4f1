using System.Diagnostics;
using FluxServe.Engine;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.TextToImage;

/// <summary>
/// Text to image with ComfyUI's semantics (DESIGN.md "Semantics"): prompt → T5 states + CLIP pooled vector →
/// noise for the seed → KSampler (schedule, sampler, guidance) over the transformer → autoencoder decode → 8-bit RGB.
/// </summary>
public sealed class TextToImagePipeline(FluxModel model)
{
    private readonly FluxModel _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Generates <see cref="TextToImageRequest.Samples"/> images.</summary>
    /// <exception cref="ArgumentException">A size that is not a positive multiple of 16, or bad sampling arguments.</exception>
    /// <exception cref="UnknownSamplingNameException">An unknown sampler or scheduler.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between model passes.</exception>
    public GeneratedImages Generate(TextToImageRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Generate(request, null, progress, cancellationToken);

    /// <summary>
    /// As <see cref="Generate(TextToImageRequest, IProgress{GenerationProgress}?, CancellationToken)"/>, with the prompt's
    /// encoding given instead of computed (precomputed or cached embeddings; the request's prompt is then unused).
    /// </summary>
    public GeneratedImages Generate(TextToImageRequest request, FluxConditioning? promptEmbeddings, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Width <= 0 || request.Height <= 0 || request.Width % 16 != 0 || request.Height % 16 != 0)
        {
            throw new ArgumentException($"Width and height must be positive multiples of 16, got {request.Width}×{request.Height}.", nameof(request));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(request.Samples, 1, nameof(request));
        var clock = Stopwatch.StartNew();
        var shape = new LatentShape(request.Samples, 16, request.Height / 8, request.Width / 8);
        bool negativeNeeded = SamplerCatalog.Get(request.Sampler).NeedsUnconditional || Math.Abs(request.Cfg - 1.0) > 1e-9;

        var encoder = new PromptEncoder(_model);
        using var encoded = promptEmbeddings is null ? encoder.Encode(request.Prompt) : null;
        var positive = encoded ?? promptEmbeddings!;
        using var negative = negativeNeeded ? encoder.Encode(string.Empty) : null;
        cancellationToken.ThrowIfCancellationRequested();

        float[] noise = new float[shape.Length];
        new TorchGenerator(request.Seed).Randn(noise);

        using var flow = new FluxFlowModel(_model.Transformer, shape.ToArray(), positive, negative, request.Guidance);
        var modelSampling = _model.Variant == "dev" ? FlowModelSampling.Dev() : FlowModelSampling.Schnell();
        var denoiser = new FlowGuidanceDenoiser(flow, modelSampling, request.Cfg);
        var ksampler = new KSamplerRequest(modelSampling, request.Sampler, request.Scheduler, request.Steps, shape, request.Seed)
        {
            Denoise = request.Denoise,
            StepCallback = progress is null ? null : step => progress.Report(new GenerationProgress(step.Index + 1, step.TotalSteps)),
        };
        var result = FlowKSampler.Sample(ksampler, denoiser, noise, [], cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        using var latent = Tensor.FromSpan<float>(result.Samples, shape.ToArray(), DType.F32);
        var device = _model.Transformer.Device;
        using var onDevice = device.Kind == DeviceKind.Cpu ? null : latent.To(device);
        using var decoded = _model.AutoEncoder.DecodeVaeSpace(onDevice ?? latent);
        var images = ToImages(decoded);
        return new GeneratedImages(images, request.Seed, flow.Evaluations, clock.Elapsed);
    }

    /// <summary>
    /// Decoded images [B, 3, H, W] (about −1..1) → 8-bit RGB as ComfyUI saves them:
    /// <c>trunc(255 · clamp((x + 1)/2, 0, 1))</c> in float32 (spec/vae.md §5: truncation, not rounding).
    /// </summary>
    public static RgbImage[] ToImages(Tensor decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        using var host = decoded.Device.Kind == DeviceKind.Cpu ? decoded.Reshape(decoded.Shape) : decoded.To(Device.Cpu);
        int batch = host.Dim(0), channels = host.Dim(1), height = host.Dim(2), width = host.Dim(3);
        if (channels != 3)
        {
            throw new ArgumentException($"Expected RGB images [B, 3, H, W], got {Tensor.FormatShape(host.Shape)}.", nameof(decoded));
        }

        var data = host.AsSpan<float>();
        int plane = height * width;
        var images = new RgbImage[batch];
        for (int b = 0; b < batch; b++)
        {
            var image = new RgbImage(width, height);
            var pixels = image.Pixels;
            var sample = data.Slice(b * 3 * plane, 3 * plane);
            for (int c = 0; c < 3; c++)
            {
                var channel = sample.Slice(c * plane, plane);
                for (int i = 0; i < plane; i++)
                {
                    float unit = Math.Clamp((channel[i] + 1f) / 2f, 0f, 1f);
                    pixels[(i * 3) + c] = (byte)(255f * unit);
                }
            }

            images[b] = image;
        }

        return images;
    }
}
