using FluxServe.Engine;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.TextToImage;

/// <summary>
/// Prompt → <see cref="FluxConditioning"/> with ComfyUI's text semantics (spec/text-encoders.md §3): T5 ids padded to
/// at least 256 and never truncated, CLIP ids in 77-token windows with the pooled vector of window 0.
/// </summary>
/// <remarks>ComfyUI's prompt-weighting syntax <c>(text:1.2)</c> is not interpreted: the text is encoded as written.</remarks>
public sealed class PromptEncoder(FluxModel model)
{
    private readonly FluxModel _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>How T5 ids are padded and truncated (default ComfyUI: ≥ 256, no truncation).</summary>
    public T5LengthPolicy T5Length { get; init; } = T5LengthPolicy.ComfyUi;

    /// <summary>Encodes <paramref name="prompt"/>.</summary>
    public FluxConditioning Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        int[] t5Ids = _model.T5Tokenizer.Encode(prompt, T5Length);
        int[] clipIds = _model.ClipTokenizer.EncodeChunks(prompt)[0];
        using var t5Tensor = Ids(t5Ids);
        using var clipTensor = Ids(clipIds);
        var tokens = _model.T5.Forward(t5Tensor);
        var (hidden, pooled) = _model.ClipText.Forward(clipTensor);
        hidden.Dispose();
        return new FluxConditioning(tokens, pooled);
    }

    private static Tensor Ids(int[] ids) => Tensor.FromSpan<long>(Array.ConvertAll(ids, i => (long)i), [1, ids.Length], DType.I64);
}
