using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Flux;
using Xunit.Abstractions;

namespace FluxServe.Models.Tests.Flux;

/// <summary>
/// Loading holds at most one copy of the weights plus one tensor in host memory: a synthetic bf16 checkpoint with the
/// real FLUX.1-dev names and shapes (hidden 3072, MLP 12288, T5 4096, CLIP 768) but one double and one single
/// block (≈ 1.1 GB) is loaded while the process's resident set is sampled.
/// </summary>
[Collection(nameof(MemoryMeasurementCollection))]
public sealed class FluxLoadingMemoryTests(ITestOutputHelper output)
{
    private static readonly FluxConfig s_config = new() { Depth = 1, DepthSingleBlocks = 1, GuidanceEmbed = true };

    [Fact]
    public void Loading_the_bfl_layout_holds_one_copy_of_the_weights_plus_one_tensor()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("flux1-dev-2blocks.safetensors");
        long weightBytes = WriteSynthetic(path, out long largest);

        GC.Collect();
        using var sampler = new ResidentSetSampler();
        var (config, weights, _) = FluxCheckpoint.Read(path, Device.Cpu);
        long checksum = 0;
        using (weights)
        {
            // Read every weight once, as a first forward would: the mapped file pages are the one copy.
            foreach (string name in weights.Names)
            {
                foreach (byte b in weights[name].AsBytes())
                {
                    checksum += b;
                }
            }

            Assert.Equal(s_config.HiddenSize, config.HiddenSize);
        }

        long peak = sampler.PeakGrowth;
        output.WriteLine($"checkpoint {weightBytes / 1e6:F0} MB (largest tensor {largest / 1e6:F0} MB): peak RSS growth while loading and reading all weights {peak / 1e6:F0} MB (checksum {checksum})");
        Assert.True(peak <= weightBytes + largest, $"Peak RSS growth {peak / 1e6:F0} MB exceeds one copy of the weights ({weightBytes / 1e6:F0} MB) plus one tensor ({largest / 1e6:F0} MB).");
    }

    // Every tensor of FluxTensorNames with a deterministic byte pattern (bf16 values in [-1, 1) that are not all equal).
    private static long WriteSynthetic(string path, out long largest)
    {
        long total = 0;
        largest = 0;
        var sources = new List<SafetensorsTensorSource>();
        foreach (var (name, shape) in FluxTensorNames.Expected(s_config))
        {
            long bytes = Tensor.ComputeLength(shape) * 2;
            total += bytes;
            largest = Math.Max(largest, bytes);
            sources.Add(new SafetensorsTensorSource(name, DType.BF16, shape, stream => WritePattern(stream, bytes)));
        }

        SafetensorsWriter.WriteStreaming(path, sources);
        return total;
    }

    private static void WritePattern(Stream stream, long bytes)
    {
        var buffer = new byte[1 << 16];
        for (int i = 0; i < buffer.Length; i += 2)
        {
            int k = i / 2;
            ushort bf16 = (ushort)(0x3C00 | ((k * 37) & 0x7F) | ((k & 1) << 15)); // small values of both signs
            buffer[i] = (byte)bf16;
            buffer[i + 1] = (byte)(bf16 >> 8);
        }

        for (long done = 0; done < bytes; done += buffer.Length)
        {
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - done));
        }
    }
}

/// <summary>Tests that measure the process's memory must not run beside others.</summary>
[CollectionDefinition(nameof(MemoryMeasurementCollection), DisableParallelization = true)]
public sealed class MemoryMeasurementCollection;
