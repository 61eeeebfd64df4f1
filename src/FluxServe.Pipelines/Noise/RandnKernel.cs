namespace FluxServe.Pipelines.Noise;

/// <summary>
/// Which of PyTorch's CPU kernels a float32 <c>randn</c> of 16 or more elements reproduces. They differ in the last
/// bits of ≈40 % of the values (spec/sampling.md §7.3); smaller tensors and bfloat16 use one path in both.
/// </summary>
public enum RandnKernel
{
    /// <summary>
    /// <c>normal_fill_AVX2</c>: what PyTorch runs on x86-64 CPUs with AVX2 (including AVX-512 ones), hence what
    /// ComfyUI and diffusers users get. Reproduced bit for bit on every CPU. The default.
    /// </summary>
    Avx2,

    /// <summary>
    /// The scalar <c>normal_fill</c> with the C library's float <c>logf</c>/<c>cosf</c>/<c>sinf</c>: PyTorch's
    /// <c>ATEN_CPU_CAPABILITY=default</c> and non-x86 builds. Bit-exact where the C library is the same (glibc).
    /// </summary>
    Default,
}
