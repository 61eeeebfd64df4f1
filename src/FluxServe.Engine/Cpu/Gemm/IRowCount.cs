namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>A compile-time row count: micro-kernels are generic over it so the JIT folds their per-row branches.</summary>
internal interface IRowCount
{
    /// <summary>The number of rows.</summary>
    static abstract int Value { get; }
}

/// <summary>1 row.</summary>
internal readonly struct Rows1 : IRowCount
{
    public static int Value => 1;
}

/// <summary>2 rows.</summary>
internal readonly struct Rows2 : IRowCount
{
    public static int Value => 2;
}

/// <summary>3 rows.</summary>
internal readonly struct Rows3 : IRowCount
{
    public static int Value => 3;
}

/// <summary>4 rows.</summary>
internal readonly struct Rows4 : IRowCount
{
    public static int Value => 4;
}

/// <summary>5 rows.</summary>
internal readonly struct Rows5 : IRowCount
{
    public static int Value => 5;
}

/// <summary>6 rows.</summary>
internal readonly struct Rows6 : IRowCount
{
    public static int Value => 6;
}

/// <summary>7 rows.</summary>
internal readonly struct Rows7 : IRowCount
{
    public static int Value => 7;
}

/// <summary>8 rows.</summary>
internal readonly struct Rows8 : IRowCount
{
    public static int Value => 8;
}

/// <summary>9 rows.</summary>
internal readonly struct Rows9 : IRowCount
{
    public static int Value => 9;
}

/// <summary>10 rows.</summary>
internal readonly struct Rows10 : IRowCount
{
    public static int Value => 10;
}

/// <summary>11 rows.</summary>
internal readonly struct Rows11 : IRowCount
{
    public static int Value => 11;
}

/// <summary>12 rows.</summary>
internal readonly struct Rows12 : IRowCount
{
    public static int Value => 12;
}

/// <summary>13 rows.</summary>
internal readonly struct Rows13 : IRowCount
{
    public static int Value => 13;
}

/// <summary>14 rows.</summary>
internal readonly struct Rows14 : IRowCount
{
    public static int Value => 14;
}
