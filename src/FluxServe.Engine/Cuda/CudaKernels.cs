namespace FluxServe.Engine.Cuda;

/// <summary>
/// The names of the embedded modules and of every kernel the backend launches. All names are built here, so that a
/// test (without a GPU) can check each against the <c>extern "C"</c> definitions in <c>Cuda/Kernels/*.cu</c>.
/// </summary>
internal static class CudaKernels
{
    public const string Convert = "convert";
    public const string Elementwise = "elementwise";
    public const string Norm = "norm";
    public const string Rope = "rope";
    public const string Attention = "attention";
    public const string Layout = "layout";
    public const string Conv = "conv";
    public const string Random = "random";

    /// <summary>Activation dtypes kernels are instantiated for.</summary>
    public static readonly DType[] ComputeTypes = [DType.F32, DType.BF16, DType.F16];

    /// <summary>Float storage dtypes the conversions handle.</summary>
    public static readonly DType[] FloatTypes = [DType.F32, DType.BF16, DType.F16, DType.F8E4M3FN, DType.F8E5M2];

    /// <summary>Copy units of the layout kernels, in bytes.</summary>
    public static readonly int[] Units = [1, 2, 4, 8, 16];

    /// <summary>The kernels' suffix for a dtype.</summary>
    public static string Suffix(DType dtype) => dtype switch
    {
        DType.F32 => "f32",
        DType.BF16 => "bf16",
        DType.F16 => "f16",
        DType.F8E4M3FN => "e4m3",
        DType.F8E5M2 => "e5m2",
        _ => throw new NotSupportedException($"No CUDA kernels for {dtype}."),
    };

    /// <summary>The kernels' suffix for a copy unit.</summary>
    public static string UnitSuffix(int bytes) => bytes switch
    {
        1 => "u8",
        2 => "u16",
        4 => "u32",
        8 => "u64",
        16 => "u128",
        _ => throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Copy units are 1, 2, 4, 8 or 16 bytes."),
    };

    public static string Cast(DType from, DType to) => $"cast_{Suffix(from)}_{Suffix(to)}";

    public static string Amax(DType t) => "amax_" + Suffix(t);

    public static string QuantizeE4M3(DType t) => "quantize_e4m3_" + Suffix(t);

    public static string Binary(DType t) => "binary_" + Suffix(t);

    public static string BinarySame(DType t) => "binary_same_" + Suffix(t);

    public static string BinaryRows(DType t) => "binary_rows_" + Suffix(t);

    public static string Affine(DType t) => "affine_" + Suffix(t);

    public static string Activate(DType t) => "activate_" + Suffix(t);

    public static string Softmax(DType t) => "softmax_" + Suffix(t);

    public static string AttentionSoftmax(DType t) => "attention_softmax_" + Suffix(t);

    public static string AddChannelBias(DType t) => "add_channel_bias_" + Suffix(t);

    public static string LayerNorm(DType t) => "layer_norm_" + Suffix(t);

    public static string RmsNorm(DType t) => "rms_norm_" + Suffix(t);

    public static string Modulate(DType t) => "modulate_" + Suffix(t);

    public static string GroupNormStats(DType t) => "group_norm_stats_" + Suffix(t);

    public const string GroupNormFinalize = "group_norm_finalize";

    public static string GroupNormApply(DType t) => "group_norm_apply_" + Suffix(t);

    public static string RopeKernel(DType t) => "rope_" + Suffix(t);

    public static string QkvNormRope(DType t) => "qkv_norm_rope_" + Suffix(t);

    public static string FlashAttention(int headDim) => $"flash_attention_bf16_d{headDim}";

    public static string CopyRows(int unit) => "copy_rows_" + UnitSuffix(unit);

    public static string PermuteKernel(int unit) => "permute_" + UnitSuffix(unit);

    public static string UpsampleNearest(int unit) => "upsample_nearest_" + UnitSuffix(unit);

    public static string GatherRows(int unit, DType ids) => $"gather_rows_{UnitSuffix(unit)}_{(ids == DType.I64 ? "i64" : "i32")}";

    public static string Im2Col(DType t) => "im2col_" + Suffix(t);

    public static string FillNormal(DType t) => "fill_normal_" + Suffix(t);

    public static string FillUniform(DType t) => "fill_uniform_" + Suffix(t);

    public static string FillValue(DType t) => "fill_value_" + Suffix(t);

    /// <summary>Every (module, kernel) pair the backend may launch.</summary>
    public static IEnumerable<(string Module, string Kernel)> All()
    {
        foreach (var from in FloatTypes)
        {
            foreach (var to in FloatTypes)
            {
                if (from != to)
                {
                    yield return (Convert, Cast(from, to));
                }
            }
        }

        foreach (var t in ComputeTypes)
        {
            yield return (Convert, Amax(t));
            yield return (Convert, QuantizeE4M3(t));
            yield return (Elementwise, Binary(t));
            yield return (Elementwise, BinarySame(t));
            yield return (Elementwise, BinaryRows(t));
            yield return (Elementwise, Affine(t));
            yield return (Elementwise, Activate(t));
            yield return (Elementwise, Softmax(t));
            yield return (Elementwise, AttentionSoftmax(t));
            yield return (Elementwise, AddChannelBias(t));
            yield return (Norm, LayerNorm(t));
            yield return (Norm, RmsNorm(t));
            yield return (Norm, Modulate(t));
            yield return (Norm, GroupNormStats(t));
            yield return (Norm, GroupNormApply(t));
            yield return (Rope, RopeKernel(t));
            yield return (Rope, QkvNormRope(t));
            yield return (Conv, Im2Col(t));
            yield return (Random, FillNormal(t));
            yield return (Random, FillUniform(t));
            yield return (Random, FillValue(t));
        }

        yield return (Random, FillNormal(DType.F8E4M3FN));
        yield return (Norm, GroupNormFinalize);
        yield return (Attention, FlashAttention(64));
        yield return (Attention, FlashAttention(128));
        foreach (int unit in Units)
        {
            yield return (Layout, CopyRows(unit));
            yield return (Layout, PermuteKernel(unit));
            yield return (Layout, GatherRows(unit, DType.I32));
            yield return (Layout, GatherRows(unit, DType.I64));
            if (unit <= 8)
            {
                yield return (Layout, UpsampleNearest(unit));
            }
        }
    }
}
