using System.Globalization;
using System.Text;

namespace FluxServe.Models.Lora;

/// <summary>What a LoRA file holds and what it will change, for logs and the <c>lora</c> CLI command.</summary>
/// <param name="Source">The file.</param>
/// <param name="Formats">The key-naming conventions found.</param>
/// <param name="Kinds">The adapter types found.</param>
/// <param name="TensorCount">Tensors read from the file (every one of them is used).</param>
/// <param name="TransformerLayers">Transformer layers adapted.</param>
/// <param name="ClipTextLayers">CLIP-L layers adapted (applied inside a <see cref="LoraScope"/> around the CLIP encoder).</param>
/// <param name="T5Layers">T5 layers adapted (applied inside a <see cref="LoraScope"/> around the T5 encoder).</param>
/// <param name="TextEncoderKeys">Keys of the file that belong to the text encoders.</param>
/// <param name="MaxRank">Largest combined rank of a layer's low-rank side path.</param>
/// <param name="ByteLength">Bytes held by the adapter's tensors.</param>
/// <param name="Warnings">Things that were accepted but deserve a look (metadata that disagrees with the tensors).</param>
public sealed record LoraSummary(
    string Source,
    IReadOnlyList<LoraKeyFormat> Formats,
    IReadOnlyList<LoraAdapterKind> Kinds,
    int TensorCount,
    int TransformerLayers,
    int ClipTextLayers,
    int T5Layers,
    int TextEncoderKeys,
    int MaxRank,
    long ByteLength,
    IReadOnlyList<string> Warnings)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(Source)}: {string.Join("+", Kinds)} in {string.Join("+", Formats)} naming, ");
        text.Append(CultureInfo.InvariantCulture, $"{TensorCount} tensors, {TransformerLayers} transformer layers, max rank {MaxRank}, {ByteLength / 1024.0 / 1024.0:0.0} MiB");
        if (TextEncoderKeys > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; text encoders: {TextEncoderKeys} keys on {ClipTextLayers} CLIP-L and {T5Layers} T5 layers (applied only where a LoraScope is open around the text encoder)");
        }

        foreach (string warning in Warnings)
        {
            text.Append("; warning: ").Append(warning);
        }

        return text.ToString();
    }
}
