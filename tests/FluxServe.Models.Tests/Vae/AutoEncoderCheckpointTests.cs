using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Vae;
using FluxServe.Testing;

namespace FluxServe.Models.Tests.Vae;

public sealed class AutoEncoderCheckpointTests
{
    private static string Weights => FixturePaths.Of("ae-tiny-f8", "model.safetensors");

    [Fact]
    public void Infers_the_configuration()
    {
        using var ae = AutoEncoderCheckpoint.Load(Weights);
        Assert.Equal(32, ae.Config.Channels);
        Assert.Equal([1, 1, 1, 2], ae.Config.ChannelMultipliers);
        Assert.Equal(8, ae.Config.SpatialFactor);
        Assert.Equal(16, ae.Config.ZChannels);
    }

    [Fact]
    public void Diffusers_and_comfy_layouts_decode_like_the_bfl_file()
    {
        using var tmp = new TempFolder();
        AutoEncoderLayouts.WriteDiffusers(Weights, tmp.Path);
        string comfy = tmp.File("all-in-one.safetensors");
        using (var source = SafetensorsFile.Open(Weights))
        {
            var renamed = source.Entries.Select(e => new KeyValuePair<string, Tensor>("vae." + e.Name, source.GetTensor(e.Name))).ToList();
            SafetensorsWriter.Write(comfy, renamed);
            renamed.ForEach(t => t.Value.Dispose());
        }

        var random = new Random(5);
        float[] values = new float[16 * 4 * 6];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 4) - 2);
        }

        using var z = Tensor.FromArray(values, 1, 16, 4, 6);
        using var reference = AutoEncoderCheckpoint.Load(Weights);
        using var expected = reference.Decode(z);
        foreach (string path in new[] { tmp.Path, comfy })
        {
            using var ae = AutoEncoderCheckpoint.Load(path);
            using var image = ae.Decode(z);
            Assert.Equal(expected.ToArray<float>(), image.ToArray<float>());
        }
    }

    [Fact]
    public void Misshapen_tensor_is_named()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("ae.safetensors");
        using (var source = SafetensorsFile.Open(Weights))
        {
            var tensors = source.Entries.Where(e => e.Name != "decoder.conv_out.bias")
                .Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name))).ToList();
            tensors.Add(new("decoder.conv_out.bias", Tensor.Zeros([4])));
            SafetensorsWriter.Write(path, tensors);
            tensors.ForEach(t => t.Value.Dispose());
        }

        var ex = Assert.Throws<CheckpointException>(() => AutoEncoderCheckpoint.Load(path));
        Assert.Contains("decoder.conv_out.bias", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected [3]", ex.Message, StringComparison.Ordinal);
    }
}
