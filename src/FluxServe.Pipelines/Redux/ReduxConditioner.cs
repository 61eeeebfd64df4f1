using FluxServe.Engine;
using FluxServe.Models.Redux;
using FluxServe.Models.Siglip;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.TextToImage;

namespace FluxServe.Pipelines.Redux;

/// <summary>
/// FLUX.1 Redux conditioning (spec/redux.md §1, §5): an image → SigLIP token states → Redux tokens, appended after
/// the prompt's T5 tokens; the CLIP pooled vector stays the prompt's. For <c>flux-redux-schnell</c> the prompt is
/// the empty one ("redux_image replaces the prompt"), giving 256 + 729 context tokens.
/// </summary>
/// <remarks>
/// Every extra image adds its own tokens (ComfyUI's chained <c>StyleModelApply</c>). <see cref="Strength"/> is
/// ComfyUI's <c>strength_type = multiply</c>; its <c>attn_bias</c> variant needs an attention mask in the
/// transformer and is not offered.
/// </remarks>
public sealed class ReduxConditioner
{
    private readonly SiglipVisionTower _tower;
    private readonly ReduxEmbedder _embedder;

    /// <summary>Uses (does not own) a vision tower and a Redux embedder of matching widths.</summary>
    public ReduxConditioner(SiglipVisionTower tower, ReduxEmbedder embedder)
    {
        ArgumentNullException.ThrowIfNull(tower);
        ArgumentNullException.ThrowIfNull(embedder);
        if (tower.Config.HiddenSize != embedder.Config.VisionDim)
        {
            throw new ArgumentException(
                $"The Redux embedder reads width {embedder.Config.VisionDim}, but the SigLIP tower gives {tower.Config.HiddenSize}.", nameof(embedder));
        }

        _tower = tower;
        _embedder = embedder;
    }

    /// <summary>The image preprocessing (ComfyUI's by default, the API's reference).</summary>
    public SiglipPreprocessing Preprocessing { get; init; } = SiglipPreprocessing.ComfyUi;

    /// <summary>
    /// Round the Redux tokens to bfloat16 before appending them, as BFL's <c>prepare_redux</c> does (and as a
    /// bf16 embedder's output is); on by default.
    /// </summary>
    public bool RoundTokensToBFloat16 { get; init; } = true;

    /// <summary>Multiplier of the image tokens (ComfyUI <c>StyleModelApply</c>, strength_type multiply); 1 by default.</summary>
    public float Strength { get; init; } = 1f;

    /// <summary>Redux tokens [1, N, C] of one image (N = 729 and C = 4096 for the real models), on the embedder's device.</summary>
    public Tensor EncodeImage(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var pixels = SiglipImageProcessor.ToPixels(image, Preprocessing, _tower.Config.ImageSize);
        using var states = _tower.Forward(pixels);
        return ImageTokens(_embedder, states, RoundTokensToBFloat16, Strength);
    }

    /// <summary>
    /// <paramref name="prompt"/>'s conditioning with the Redux tokens of <paramref name="images"/> appended, in order:
    /// tokens [1, L + N·images, C], the pooled vector copied. The caller owns the result (and still owns the prompt).
    /// </summary>
    public FluxConditioning Condition(FluxConditioning prompt, params IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(images);
        var tokens = new List<Tensor>(images.Count);
        try
        {
            foreach (var image in images)
            {
                tokens.Add(EncodeImage(image));
            }

            return Append(prompt, tokens);
        }
        finally
        {
            foreach (var t in tokens)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// SigLIP token states [B, N, D] → Redux tokens [B, N, C]: the embedder, then (as BFL) the bfloat16 rounding, then
    /// the strength multiplier. The result is float32.
    /// </summary>
    public static Tensor ImageTokens(ReduxEmbedder embedder, Tensor visionStates, bool roundToBFloat16, float strength = 1f)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(visionStates);
        using var scope = TensorScope.Begin();
        var tokens = embedder.Forward(visionStates);
        if (roundToBFloat16)
        {
            tokens = tokens.Cast(DType.BF16).Cast(DType.F32);
        }

        if (strength != 1f)
        {
            tokens = tokens.Affine(strength, 0f);
        }

        return tokens.Detach();
    }

    /// <summary>
    /// The prompt's T5 tokens followed by each image's tokens along the sequence, and a copy of the pooled vector
    /// (spec/redux.md §1: text first, then the image tokens; all get text positions (0, 0, 0)).
    /// </summary>
    public static FluxConditioning Append(FluxConditioning prompt, IReadOnlyList<Tensor> imageTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(imageTokens);
        var parts = new List<Tensor>(imageTokens.Count + 1) { prompt.Tokens };
        using var scope = TensorScope.Begin();
        foreach (var t in imageTokens)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(imageTokens));
            if (t.Rank != 3 || t.Dim(0) != prompt.Tokens.Dim(0) || t.Dim(2) != prompt.Tokens.Dim(2))
            {
                throw new ArgumentException($"Image tokens {t} do not fit the prompt's tokens {prompt.Tokens}.", nameof(imageTokens));
            }

            parts.Add(t.Device == prompt.Tokens.Device ? t : t.To(prompt.Tokens.Device));
        }

        var tokens = prompt.Tokens.Backend.Concat(parts, 1);
        var pooled = prompt.Pooled.Backend.Slice(prompt.Pooled, 0, 0, prompt.Pooled.Dim(0));
        return new FluxConditioning(tokens.Detach(), pooled.Detach());
    }
}
