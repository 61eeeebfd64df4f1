using FluxServe.Engine;
using FluxServe.Models.Clip;
using FluxServe.Models.Flux;
using FluxServe.Models.T5;
using FluxServe.Models.Vae;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Registry;

/// <summary>Every loaded component of one FLUX.1 model (transformer, autoencoder, both text encoders and tokenizers).</summary>
public sealed class FluxModel : IDisposable
{
    private FluxModel(FluxModelPaths paths, FluxTransformer transformer, AutoEncoder autoEncoder, ClipTextEncoder clip, T5Encoder t5, ClipBpeTokenizer clipTokenizer, T5UnigramTokenizer t5Tokenizer)
    {
        Paths = paths;
        Transformer = transformer;
        AutoEncoder = autoEncoder;
        ClipText = clip;
        T5 = t5;
        ClipTokenizer = clipTokenizer;
        T5Tokenizer = t5Tokenizer;
    }

    /// <summary>Where the components were read from.</summary>
    public FluxModelPaths Paths { get; }

    /// <summary>The MMDiT.</summary>
    public FluxTransformer Transformer { get; }

    /// <summary>The autoencoder.</summary>
    public AutoEncoder AutoEncoder { get; }

    /// <summary>CLIP-L (pooled vector).</summary>
    public ClipTextEncoder ClipText { get; }

    /// <summary>T5-XXL (token states).</summary>
    public T5Encoder T5 { get; }

    /// <summary>The CLIP BPE tokenizer.</summary>
    public ClipBpeTokenizer ClipTokenizer { get; }

    /// <summary>The T5 Unigram tokenizer.</summary>
    public T5UnigramTokenizer T5Tokenizer { get; }

    /// <summary>"dev" or "schnell", from the transformer's tensors.</summary>
    public string Variant => Transformer.Config.Variant;

    /// <summary>Discovers (<see cref="FluxModelDiscovery"/>) and loads a model onto <paramref name="device"/>.</summary>
    public static FluxModel Load(string path, Device? device = null)
    {
        var paths = FluxModelDiscovery.Discover(path);
        var target = device ?? Device.Cpu;
        var disposables = new List<IDisposable>();
        try
        {
            var transformer = Keep(FluxCheckpoint.Load(paths.Transformer, target));
            var ae = Keep(AutoEncoderCheckpoint.Load(paths.AutoEncoder, target));
            var clip = Keep(ClipTextCheckpoint.Load(paths.ClipText, target));
            var t5 = Keep(T5Checkpoint.Load(paths.T5, target));
            var clipTokenizer = ClipBpeTokenizer.FromFolder(paths.ClipTokenizer);
            var t5Tokenizer = T5UnigramTokenizer.FromFolder(paths.T5Tokenizer);
            if (clip.Config.HiddenSize != transformer.Config.VecInDim || t5.Config.DModel != transformer.Config.ContextInDim)
            {
                throw new Models.Checkpoints.CheckpointException(
                    $"Model at '{path}': the text encoders (CLIP width {clip.Config.HiddenSize}, T5 width {t5.Config.DModel}) do not fit the transformer (vector {transformer.Config.VecInDim}, context {transformer.Config.ContextInDim}).");
            }

            return new FluxModel(paths, transformer, ae, clip, t5, clipTokenizer, t5Tokenizer);
        }
        catch
        {
            foreach (var d in disposables)
            {
                d.Dispose();
            }

            throw;
        }

        T Keep<T>(T item)
            where T : IDisposable
        {
            disposables.Add(item);
            return item;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Transformer.Dispose();
        AutoEncoder.Dispose();
        ClipText.Dispose();
        T5.Dispose();
    }
}
