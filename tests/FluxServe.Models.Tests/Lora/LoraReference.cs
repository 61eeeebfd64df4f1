using FluxServe.Engine;
using FluxServe.Models.Flux;
using FluxServe.Models.Layers;
using FluxServe.Models.Lora;

namespace FluxServe.Models.Tests.Lora;

/// <summary>
/// Independent references for the LoRA tests: ΔW accumulated in double from the raw file values, a Linear computed
/// by scalar loops, and checks of the adapter's side path and merge against them.
/// </summary>
internal static class LoraReference
{
    /// <summary>The FLUX configuration of the tiny fixture models (flux-tiny-dev).</summary>
    public static FluxConfig TinyDev { get; } = new()
    {
        HiddenSize = 128,
        NumHeads = 2,
        MlpHiddenSize = 512,
        Depth = 2,
        DepthSingleBlocks = 2,
        VecInDim = 32,
        ContextInDim = 48,
        AxesDim = [8, 28, 28],
        GuidanceEmbed = true,
    };

    /// <summary>Adds <c>scale·block</c> to rows [offset, offset + block rows) of <paramref name="delta"/>, halves swapped if asked.</summary>
    public static void AddBlock(double[,] delta, double[,] block, double scale, int rowOffset = 0, bool swapHalves = false)
    {
        int rows = block.GetLength(0);
        for (int i = 0; i < rows; i++)
        {
            int row = rowOffset + (swapHalves ? (i + (rows / 2)) % rows : i);
            for (int j = 0; j < block.GetLength(1); j++)
            {
                delta[row, j] += scale * block[i, j];
            }
        }
    }

    /// <summary>ΔW as the adapter merges it at strength 1 (on a zero weight).</summary>
    public static float[] MergedDelta(LoraAdapter adapter, string layer, int rows, int cols)
    {
        Assert.True(adapter.TryGetTarget(layer, out var target), $"no target for {layer}");
        using var zero = Tensor.Zeros([rows, cols]);
        using var merged = LoraMerge.MergeWeight(zero, 1f, [(target, 1f)]);
        return merged.ToArray<float>();
    }

    /// <summary>Checks both ways of applying <paramref name="adapter"/> to layer <paramref name="layer"/> against the reference ΔW (and Δb).</summary>
    public static void CheckLayer(LoraAdapter adapter, string layer, double[,] delta, double[]? biasDelta = null, float strength = 0.75f, int seed = 7)
    {
        int rows = delta.GetLength(0), cols = delta.GetLength(1);

        // Merge: ΔW itself.
        float[] merged = MergedDelta(adapter, layer, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                Assert.True(Math.Abs(merged[(r * cols) + c] - delta[r, c]) <= 1e-5 * (1 + Math.Abs(delta[r, c])), $"{layer} ΔW[{r}, {c}] = {merged[(r * cols) + c]}, expected {delta[r, c]}");
            }
        }

        // Side path: a Linear with random W, b named after the layer, inside a scope at `strength`.
        var random = new Random(seed);
        float[] w = Random(random, rows * cols), b = Random(random, rows), x = Random(random, 3 * cols);
        using var weight = Tensor.FromArray(w, rows, cols);
        using var bias = Tensor.FromArray(b, rows);
        using var input = Tensor.FromArray(x, 1, 3, cols);
        var linear = new LinearLayer(weight, bias) { Name = layer };
        using var plain = linear.Forward(input);
        using (LoraScope.Begin(adapter, strength))
        {
            using var adapted = linear.Forward(input, Activation.None);
            var y = adapted.ToArray<float>();
            for (int t = 0; t < 3; t++)
            {
                for (int r = 0; r < rows; r++)
                {
                    double expected = b[r] + (strength * (biasDelta?[r] ?? 0));
                    for (int c = 0; c < cols; c++)
                    {
                        expected += x[(t * cols) + c] * (w[(r * cols) + c] + (strength * delta[r, c]));
                    }

                    Assert.True(Math.Abs(y[(t * rows) + r] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"{layer} side path y[{t}, {r}] = {y[(t * rows) + r]}, expected {expected}");
                }
            }
        }

        // Outside the scope the layer is the base layer again.
        using var after = linear.Forward(input);
        Assert.Equal(plain.ToArray<float>(), after.ToArray<float>());
    }

    public static float[] Random(Random random, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return a;
    }
}
