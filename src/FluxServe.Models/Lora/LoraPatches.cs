using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>A low-rank term <c>scale · up·down</c> on a slice of a layer's rows (LoRA, or LoHa rewritten as one).</summary>
/// <param name="Slice">Where the rows land.</param>
/// <param name="Down">[rank, in] (lora_down = lora_A).</param>
/// <param name="Up">[rows, rank] (lora_up = lora_B).</param>
/// <param name="Scale">alpha / rank, or 1 without alpha.</param>
/// <param name="Stem">The file's key stem, for messages.</param>
internal sealed record LowRankPatch(LoraSlice Slice, Tensor Down, Tensor Up, float Scale, string Stem) : IDisposable
{
    public int Rows => Up.Dim(0);

    public int Rank => Down.Dim(0);

    public void Dispose()
    {
        Down.Dispose();
        Up.Dispose();
    }
}

/// <summary>One factor of a LoKr product: a full matrix, or <c>a·b</c> with a small inner rank.</summary>
/// <param name="Full">The matrix, or null when factored.</param>
/// <param name="A">Left factor [rows, r], or null.</param>
/// <param name="B">Right factor [r, cols], or null.</param>
internal sealed record KroneckerFactor(Tensor? Full, Tensor? A, Tensor? B) : IDisposable
{
    public int Rows => Full?.Dim(0) ?? A!.Dim(0);

    public int Columns => Full?.Dim(1) ?? B!.Dim(1);

    public bool IsFactored => Full is null;

    /// <summary>x [..., Columns] → x · Fᵀ [..., Rows].</summary>
    public Tensor Apply(Tensor x)
    {
        if (Full is not null)
        {
            return x.Linear(Full);
        }

        using var inner = x.Linear(B!);
        return inner.Linear(A!);
    }

    /// <summary>The matrix as float32, row-major [Rows, Columns].</summary>
    public float[] ToSingles()
    {
        if (Full is not null)
        {
            return LoraHost.ToSingles(Full);
        }

        float[] a = LoraHost.ToSingles(A!), b = LoraHost.ToSingles(B!);
        int rows = Rows, cols = Columns, r = A!.Dim(1);
        var m = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            var row = m.AsSpan(i * cols, cols);
            for (int p = 0; p < r; p++)
            {
                float s = a[(i * r) + p];
                var bRow = b.AsSpan(p * cols, cols);
                for (int j = 0; j < cols; j++)
                {
                    row[j] += s * bRow[j];
                }
            }
        }

        return m;
    }

    public KroneckerFactor To(Device device) => new(
        Full is null ? null : LoraHost.OnDevice(Full, device),
        A is null ? null : LoraHost.OnDevice(A, device),
        B is null ? null : LoraHost.OnDevice(B, device));

    public long ByteLength => (Full?.ByteLength ?? 0) + (A?.ByteLength ?? 0) + (B?.ByteLength ?? 0);

    public void Dispose()
    {
        Full?.Dispose();
        A?.Dispose();
        B?.Dispose();
    }
}
