using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Redux;
using FluxServe.Models.Siglip;

namespace FluxServe.Pipelines.Registry;

/// <summary>
/// The two image-side components of FLUX.1 Redux: the SigLIP vision tower and the Redux embedder (docs/redux.md).
/// Found in one folder: a diffusers layout (<c>image_encoder/</c>, <c>image_embedder/</c>) or ComfyUI's single files
/// (<c>sigclip_vision_patch14_384.safetensors</c>, <c>flux1-redux-dev.safetensors</c>), recognised by their tensor names.
/// </summary>
public sealed class ReduxModel : IDisposable
{
    private ReduxModel(string towerPath, string embedderPath, SiglipVisionTower tower, ReduxEmbedder embedder)
    {
        TowerPath = towerPath;
        EmbedderPath = embedderPath;
        Tower = tower;
        Embedder = embedder;
    }

    /// <summary>Where the vision tower was read from.</summary>
    public string TowerPath { get; }

    /// <summary>Where the embedder was read from.</summary>
    public string EmbedderPath { get; }

    /// <summary>SigLIP so400m-patch14-384 up to <c>last_hidden_state</c>.</summary>
    public SiglipVisionTower Tower { get; }

    /// <summary><c>redux_down(silu(redux_up(h)))</c>.</summary>
    public ReduxEmbedder Embedder { get; }

    /// <summary>Finds both components under <paramref name="folder"/>.</summary>
    /// <exception cref="CheckpointException">A component is missing; the message says what was found.</exception>
    public static (string Tower, string Embedder) Discover(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new CheckpointException($"Redux model folder '{full}' does not exist.");
        }

        string? tower = Directory.Exists(Path.Combine(full, "image_encoder")) ? Path.Combine(full, "image_encoder") : null;
        string? embedder = Directory.Exists(Path.Combine(full, "image_embedder")) ? Path.Combine(full, "image_embedder") : null;
        foreach (string file in Directory.EnumerateFiles(full, "*.safetensors").Order(StringComparer.Ordinal))
        {
            if (tower is not null && embedder is not null)
            {
                break;
            }

            using var header = SafetensorsFile.Open(file);
            if (tower is null && header.Contains("vision_model.embeddings.patch_embedding.weight"))
            {
                tower = file;
            }
            else if (embedder is null && header.Contains("redux_up.weight"))
            {
                embedder = file;
            }
        }

        if (tower is null || embedder is null)
        {
            throw new CheckpointException(
                $"Redux model at '{full}' is incomplete: {(tower is null ? "no SigLIP vision tower (a file with 'vision_model.embeddings.patch_embedding.weight' or image_encoder/)" : "")}"
                + $"{(tower is null && embedder is null ? " and " : "")}{(embedder is null ? "no Redux embedder (a file with 'redux_up.weight' or image_embedder/)" : "")} found.");
        }

        return (tower, embedder);
    }

    /// <summary>Discovers and loads both components onto <paramref name="device"/>, with ComfyUI's LayerNorm epsilon (1e-5).</summary>
    public static ReduxModel Load(string folder, Device? device = null)
    {
        var (towerPath, embedderPath) = Discover(folder);
        var tower = SiglipVisionCheckpoint.Load(towerPath, device, layerNormEps: 1e-5f);
        try
        {
            var embedder = ReduxCheckpoint.Load(embedderPath, device);
            if (embedder.Config.VisionDim != tower.Config.HiddenSize)
            {
                embedder.Dispose();
                throw new CheckpointException(
                    $"Redux model at '{folder}': the embedder reads width {embedder.Config.VisionDim}, but the SigLIP tower gives {tower.Config.HiddenSize}.");
            }

            return new ReduxModel(towerPath, embedderPath, tower, embedder);
        }
        catch
        {
            tower.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Tower.Dispose();
        Embedder.Dispose();
    }
}
