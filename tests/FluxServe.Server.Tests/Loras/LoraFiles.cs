using System.Security.Cryptography;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Testing;

namespace FluxServe.Server.Tests.Loras;

/// <summary>
/// LoRA files for the registry tests, built from the <c>lora-tiny</c> fixture (whose config.json names
/// <c>flux-tiny-dev</c> as its base), and a models folder holding that tiny dev model as <c>{folder}/flux-dev</c>.
/// </summary>
internal static class LoraFiles
{
    private static readonly Lazy<string> s_tinyDevModels = new(() =>
    {
        string root = TemporaryFolder.Create();
        TinyFluxModels.AssembleDiffusers(Path.Combine(root, "flux-dev"), "dev");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TemporaryFolder.Delete(root);
        return root;
    });

    /// <summary>A Models:Folders entry with the tiny FLUX.1-dev the lora-tiny files were made for.</summary>
    public static string TinyDevModels => s_tinyDevModels.Value;

    /// <summary>A file of the lora-tiny fixture, as published.</summary>
    public static string Fixture(string file) => FixturePaths.Of("lora-tiny", file);

    /// <summary>The fixture's kohya LoRA cut down to the tensors whose names start with <paramref name="prefix"/>.</summary>
    public static string KohyaSubset(string folder, string prefix)
    {
        using var source = SafetensorsFile.Open(Fixture("lora_kohya.safetensors"));
        var tensors = source.Entries.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name))).ToList();
        Assert.NotEmpty(tensors);
        try
        {
            string path = Path.Combine(folder, $"kohya-{prefix.TrimEnd('_')}.safetensors");
            SafetensorsWriter.Write(path, tensors);
            return path;
        }
        finally
        {
            foreach (var (_, tensor) in tensors)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// A kohya LoRA made for another FLUX shape: <c>double_blocks_0_img_attn_proj</c> of a hidden-256 model (the tiny
    /// model's is 128) and <c>double_blocks_7_img_attn_qkv</c> (the tiny model has 2 double blocks).
    /// </summary>
    public static string OtherShape(string folder) => Write(Path.Combine(folder, "other-shape.safetensors"),
        ("lora_unet_double_blocks_0_img_attn_proj.lora_down.weight", [4, 256]),
        ("lora_unet_double_blocks_0_img_attn_proj.lora_up.weight", [256, 4]),
        ("lora_unet_double_blocks_7_img_attn_qkv.lora_down.weight", [4, 128]),
        ("lora_unet_double_blocks_7_img_attn_qkv.lora_up.weight", [384, 4]));

    /// <summary>A valid safetensors file that is not a LoRA: two weights of a base checkpoint.</summary>
    public static string NotALora(string folder) => Write(Path.Combine(folder, "checkpoint.safetensors"),
        ("img_in.weight", [128, 64]),
        ("txt_in.bias", [128]));

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Write(string path, params (string Name, int[] Shape)[] specs)
    {
        var random = new Random(7);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, shape) in specs)
            {
                float[] data = new float[shape.Aggregate(1, (a, b) => a * b)];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)(random.NextDouble() - 0.5);
                }

                tensors.Add(new(name, Tensor.FromArray(data, shape)));
            }

            SafetensorsWriter.Write(path, tensors);
            return path;
        }
        finally
        {
            foreach (var (_, tensor) in tensors)
            {
                tensor.Dispose();
            }
        }
    }
}
