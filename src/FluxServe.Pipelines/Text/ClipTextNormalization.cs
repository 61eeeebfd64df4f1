namespace FluxServe.Pipelines.Text;

/// <summary>How <see cref="ClipBpeTokenizer"/> cleans prompt text before splitting it into words.</summary>
public enum ClipTextNormalization
{
    /// <summary>
    /// HF <c>CLIPTokenizerFast</c> (the <c>tokenizer-clip</c> fixture's reference): NFC, whitespace runs → one
    /// space, lower-case. Control characters, zero-width characters and CJK runs are kept as symbols.
    /// </summary>
    HuggingFaceFast,

    /// <summary>
    /// HF slow <c>CLIPTokenizer</c> without ftfy, which is what ComfyUI runs: control and format characters
    /// (including U+200B/U+200D) are dropped, every CJK ideograph becomes its own word, and lower-casing follows
    /// Python (final sigma). Same ids as <see cref="HuggingFaceFast"/> for ordinary text.
    /// </summary>
    ComfyUi,
}
