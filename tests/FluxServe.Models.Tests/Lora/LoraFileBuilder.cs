using FluxServe.Engine;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Models.Tests.Lora;

/// <summary>Writes synthetic LoRA safetensors files with random tensors and hands back the stored values (as float32).</summary>
internal sealed class LoraFileBuilder(int seed)
{
    private readonly Random _random = new(seed);
    private readonly List<(string Name, float[] Values, int[] Shape, DType DType)> _tensors = [];

    public Dictionary<string, string> Metadata { get; } = [];

    /// <summary>A random matrix stored as <paramref name="dtype"/>; returns the stored values.</summary>
    public Matrix Add(string name, int rows, int cols, DType dtype = DType.F32)
    {
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Round((float)((_random.NextDouble() * 2) - 1) * 0.5f, dtype);
        }

        _tensors.Add((name, values, [rows, cols], dtype));
        return new Matrix(values, rows, cols);
    }

    /// <summary>A random vector.</summary>
    public float[] AddVector(string name, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((_random.NextDouble() * 2) - 1);
        }

        _tensors.Add((name, values, [length], DType.F32));
        return values;
    }

    /// <summary>A 0-D scalar (how trainers store <c>.alpha</c>).</summary>
    public void AddScalar(string name, float value, DType dtype = DType.F32) => _tensors.Add((name, [value], [], dtype));

    /// <summary>A kohya/PEFT pair: returns (up, down).</summary>
    public (Matrix Up, Matrix Down) AddPair(string stem, string upSuffix, string downSuffix, int rows, int rank, int cols, DType dtype = DType.F32) =>
        (Add(stem + upSuffix, rows, rank, dtype), Add(stem + downSuffix, rank, cols, dtype));

    public string Write(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, values, shape, dtype) in _tensors)
            {
                using var f32 = Tensor.FromSpan<float>(values, shape, DType.F32);
                tensors.Add(new(name, dtype == DType.F32 ? f32.Reshape(shape) : f32.Cast(dtype)));
            }

            SafetensorsWriter.Write(path, tensors, Metadata);
            return path;
        }
        finally
        {
            foreach (var (_, t) in tensors)
            {
                t.Dispose();
            }
        }
    }

    private static float Round(float value, DType dtype)
    {
        if (dtype == DType.F32)
        {
            return value;
        }

        using var t = Tensor.FromArray([value], 1);
        using var narrow = t.Cast(dtype);
        using var back = narrow.Cast(DType.F32);
        return back.AsSpan<float>()[0];
    }
}

/// <summary>A row-major float matrix with the reference products the tests need (in double).</summary>
internal sealed record Matrix(float[] Values, int Rows, int Cols)
{
    public double this[int r, int c] => Values[(r * Cols) + c];

    /// <summary>this · other.</summary>
    public double[,] Times(Matrix other)
    {
        var p = new double[Rows, other.Cols];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < other.Cols; j++)
            {
                double s = 0;
                for (int k = 0; k < Cols; k++)
                {
                    s += this[i, k] * other[k, j];
                }

                p[i, j] = s;
            }
        }

        return p;
    }
}
