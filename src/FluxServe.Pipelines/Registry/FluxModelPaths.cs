namespace FluxServe.Pipelines.Registry;

/// <summary>Where each component of a FLUX.1 model lives (a file or folder each; several may name the same file).</summary>
/// <param name="Transformer">The MMDiT checkpoint.</param>
/// <param name="AutoEncoder">The autoencoder checkpoint.</param>
/// <param name="ClipText">The CLIP-L text encoder.</param>
/// <param name="T5">The T5-XXL encoder.</param>
/// <param name="ClipTokenizer">A folder with <c>vocab.json</c> and <c>merges.txt</c>.</param>
/// <param name="T5Tokenizer">A folder with <c>tokenizer.json</c>.</param>
public sealed record FluxModelPaths(string Transformer, string AutoEncoder, string ClipText, string T5, string ClipTokenizer, string T5Tokenizer);
