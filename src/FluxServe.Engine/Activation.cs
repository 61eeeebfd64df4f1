namespace FluxServe.Engine;

/// <summary>Element-wise activations, fused into GEMM epilogues or applied on their own.</summary>
public enum Activation : byte
{
    /// <summary>Identity.</summary>
    None,
    /// <summary>x·σ(x).</summary>
    SiLU,
    /// <summary>GELU with the tanh approximation: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    GeluTanh,
    /// <summary>Exact GELU: 0.5x(1 + erf(x/√2)).</summary>
    GeluExact,
    /// <summary>CLIP's quick GELU: x·σ(1.702x).</summary>
    QuickGelu,
    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>Element-wise binary operations with NumPy broadcasting.</summary>
public enum BinaryOp : byte
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Subtract,
    /// <summary>a · b.</summary>
    Multiply,
    /// <summary>a / b.</summary>
    Divide,
}
