using FluxServe.Engine;
using FluxServe.Engine.Numerics;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Redux;
using FluxServe.Models.Siglip;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Benchmarks;

/// <summary>
/// The Redux image path with random weights in the real shapes: a so400m SigLIP vision tower and the FLUX.1 Redux
/// embedder, their tensors named and shaped by <see cref="SiglipVisionCheckpoint.ExpectedTensors"/> and
/// <see cref="ReduxCheckpoint.ExpectedTensors"/>, stored as the loaders leave them (vectors float32, matrices and
/// kernels in <c>matrixType</c>). Shared by <c>redux-quick</c> and <see cref="ReduxPreprocessBenchmarks"/>; the peer
/// <c>scripts/peers/bench_siglip_redux.py</c> builds the same shapes and the same input picture.
/// </summary>
public sealed class ReduxBenchmarkCase : IDisposable
{
    private ReduxBenchmarkCase(SiglipVisionTower tower, ReduxEmbedder embedder, long weightBytes)
    {
        Tower = tower;
        Embedder = embedder;
        WeightBytes = weightBytes;
    }

    /// <summary>The vision tower (so400m: width 1152, 27 layers, 16 heads, MLP 4304, 14-pixel patches, 384 pixels).</summary>
    public SiglipVisionTower Tower { get; }

    /// <summary>The embedder (1152 → 12288 → 4096).</summary>
    public ReduxEmbedder Embedder { get; }

    /// <summary>Bytes of all weights as stored.</summary>
    public long WeightBytes { get; }

    /// <summary>
    /// Random weights: matrices and kernels uniform with standard deviation 1/√fan_in (the position table 0.02),
    /// biases ±0.02, LayerNorm scales near 1.
    /// </summary>
    /// <param name="matrixType">F32, or BF16 as the published checkpoints store them (widened inside the GEMM).</param>
    /// <param name="seed">Seed of the values.</param>
    public static ReduxBenchmarkCase Create(DType matrixType, int seed = 1234)
    {
        var random = new Random(seed);
        var towerConfig = new SiglipVisionConfig();
        var embedderConfig = new ReduxConfig();
        long bytes = 0;
        var towerWeights = Fill(SiglipVisionCheckpoint.ExpectedTensors(towerConfig), "random so400m SigLIP", matrixType, random, ref bytes);
        var embedderWeights = Fill(ReduxCheckpoint.ExpectedTensors(embedderConfig), "random Redux embedder", matrixType, random, ref bytes);
        return new ReduxBenchmarkCase(new SiglipVisionTower(towerConfig, towerWeights), new ReduxEmbedder(embedderConfig, embedderWeights), bytes);
    }

    /// <summary>
    /// A <paramref name="width"/>×<paramref name="height"/> RGB picture with gradients and texture:
    /// level = (3x + 5y + 85c + ((x·y) >> 4)) mod 256, computed the same way by the peer script.
    /// </summary>
    public static RgbImage CreateImage(int width = 1024, int height = 768)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            var row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    row[(3 * x) + c] = (byte)(((3 * x) + (5 * y) + (85 * c) + ((x * y) >> 4)) & 255);
                }
            }
        }

        return image;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Tower.Dispose();
        Embedder.Dispose();
    }

    private static WeightSet Fill(IReadOnlyList<KeyValuePair<string, int[]>> expected, string source, DType matrixType, Random random, ref long bytes)
    {
        var weights = new WeightSet { Source = source };
        try
        {
            var chunk = new float[1 << 16];
            foreach (var (name, shape) in expected)
            {
                bool vector = shape.Length < 2;
                var dtype = vector ? DType.F32 : matrixType;
                var tensor = Tensor.Empty(shape, dtype);
                weights.Add(name, tensor);
                bytes += tensor.ByteLength;

                // Uniform on [−a, a] has standard deviation a/√3: a bell shape is not needed for timing.
                float center = vector && name.Contains("norm", StringComparison.Ordinal) ? 1f : 0f;
                float std = vector ? 0.02f : name.EndsWith("position_embedding.weight", StringComparison.Ordinal) ? 0.02f : 1f / MathF.Sqrt(tensor.Length / shape[0]);
                float spread = 2f * MathF.Sqrt(3f) * std;
                var bytesOut = tensor.AsBytes();
                int size = dtype.SizeOf();
                for (long i = 0; i < tensor.Length; i += chunk.Length)
                {
                    int len = (int)Math.Min(chunk.Length, tensor.Length - i);
                    for (int j = 0; j < len; j++)
                    {
                        chunk[j] = center + (spread * (random.NextSingle() - 0.5f));
                    }

                    FloatConversion.FromSingle(chunk.AsSpan(0, len), dtype, bytesOut.Slice((int)(i * size), len * size));
                }
            }

            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }
}
