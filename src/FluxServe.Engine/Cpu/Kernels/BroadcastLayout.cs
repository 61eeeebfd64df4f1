namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// The iteration space of a NumPy-broadcast binary operation, simplified: size-1 dimensions dropped and neighbouring
/// dimensions merged where both operands continue contiguously (or both stay broadcast), so the innermost loop is as
/// long as possible. Strides are in elements; 0 marks a broadcast dimension.
/// </summary>
internal sealed class BroadcastLayout
{
    private BroadcastLayout(int[] outputShape, int[] sizes, long[] leftStrides, long[] rightStrides)
    {
        OutputShape = outputShape;
        Sizes = sizes;
        LeftStrides = leftStrides;
        RightStrides = rightStrides;
    }

    /// <summary>The broadcast result shape.</summary>
    public int[] OutputShape { get; }

    /// <summary>Sizes of the merged dimensions, outermost first (at least one entry).</summary>
    public int[] Sizes { get; }

    /// <summary>Element strides of the left operand per merged dimension.</summary>
    public long[] LeftStrides { get; }

    /// <summary>Element strides of the right operand per merged dimension.</summary>
    public long[] RightStrides { get; }

    /// <summary>Length of the innermost merged dimension.</summary>
    public int Inner => Sizes[^1];

    /// <summary>Number of inner rows (product of the outer merged sizes).</summary>
    public long Rows
    {
        get
        {
            long rows = 1;
            for (int i = 0; i < Sizes.Length - 1; i++)
            {
                rows *= Sizes[i];
            }

            return rows;
        }
    }

    /// <summary>Computes the layout; throws when the shapes do not broadcast.</summary>
    public static BroadcastLayout Create(ReadOnlySpan<int> left, ReadOnlySpan<int> right, string parameterName)
    {
        int rank = Math.Max(left.Length, right.Length);
        int[] output = new int[rank];
        long[] leftStride = new long[rank], rightStride = new long[rank];
        long ls = 1, rs = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int li = i - (rank - left.Length), ri = i - (rank - right.Length);
            int l = li >= 0 ? left[li] : 1, r = ri >= 0 ? right[ri] : 1;
            if (l != r && l != 1 && r != 1)
            {
                TensorChecks.Throw(parameterName, $"Shapes {Tensor.FormatShape(left)} and {Tensor.FormatShape(right)} do not broadcast (dimension {i}: {l} vs {r}).");
            }

            output[i] = l == 1 ? r : l;
            leftStride[i] = l == 1 ? 0 : ls;
            rightStride[i] = r == 1 ? 0 : rs;
            ls *= l;
            rs *= r;
        }

        var sizes = new List<int>(rank);
        var lefts = new List<long>(rank);
        var rights = new List<long>(rank);
        for (int i = 0; i < rank; i++)
        {
            if (output[i] == 1)
            {
                continue;
            }

            int last = sizes.Count - 1;
            bool merges = last >= 0
                && lefts[last] == leftStride[i] * output[i]
                && rights[last] == rightStride[i] * output[i];
            if (merges)
            {
                sizes[last] *= output[i];
                lefts[last] = leftStride[i];
                rights[last] = rightStride[i];
            }
            else
            {
                sizes.Add(output[i]);
                lefts.Add(leftStride[i]);
                rights.Add(rightStride[i]);
            }
        }

        if (sizes.Count == 0)
        {
            sizes.Add(1);
            lefts.Add(0);
            rights.Add(0);
        }

        return new BroadcastLayout(output, [.. sizes], [.. lefts], [.. rights]);
    }
}
