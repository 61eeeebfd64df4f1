// Dtype conversions (IBackend.Cast) and the per-tensor fp8 quantisation of activations for fp8 GEMMs.
#include "common.cuh"

template <typename S, typename D>
__device__ __forceinline__ void cast_impl(const S* x, D* y, i64 n) {
    FX_GRID_STRIDE(i, n) { y[i] = from_f32<D>(to_f32(x[i])); }
}

#define FX_CAST(name, S, D) \
    extern "C" __global__ void name(const S* x, D* y, i64 n) { cast_impl<S, D>(x, y, n); }

FX_CAST(cast_f32_bf16, float, bf16)
FX_CAST(cast_f32_f16, float, f16)
FX_CAST(cast_f32_e4m3, float, e4m3)
FX_CAST(cast_f32_e5m2, float, e5m2)
FX_CAST(cast_bf16_f32, bf16, float)
FX_CAST(cast_bf16_f16, bf16, f16)
FX_CAST(cast_bf16_e4m3, bf16, e4m3)
FX_CAST(cast_bf16_e5m2, bf16, e5m2)
FX_CAST(cast_f16_f32, f16, float)
FX_CAST(cast_f16_bf16, f16, bf16)
FX_CAST(cast_f16_e4m3, f16, e4m3)
FX_CAST(cast_f16_e5m2, f16, e5m2)
FX_CAST(cast_e4m3_f32, e4m3, float)
FX_CAST(cast_e4m3_bf16, e4m3, bf16)
FX_CAST(cast_e4m3_f16, e4m3, f16)
FX_CAST(cast_e4m3_e5m2, e4m3, e5m2)
FX_CAST(cast_e5m2_f32, e5m2, float)
FX_CAST(cast_e5m2_bf16, e5m2, bf16)
FX_CAST(cast_e5m2_f16, e5m2, f16)
FX_CAST(cast_e5m2_e4m3, e5m2, e4m3)

// max |x| over the tensor, as float bits (non-negative floats order like their bit patterns, so atomicMax on the
// bits is exact and order-independent). `amax_bits` must be zeroed before the launch.
template <typename T>
__device__ __forceinline__ void amax_impl(const T* x, i64 n, u32* amax_bits) {
    __shared__ float scratch[32];
    float m = 0.0f;
    FX_GRID_STRIDE(i, n) {
        float v = fabsf(to_f32(x[i]));
        m = (v > m || v != v) ? v : m; // a NaN propagates (its bits are the largest)
    }
    m = block_max(m, scratch);
    if (threadIdx.x == 0) atomicMax(amax_bits, __float_as_uint(m));
}

#define FX_AMAX(name, T) \
    extern "C" __global__ void name(const T* x, i64 n, u32* amax_bits) { amax_impl<T>(x, n, amax_bits); }

FX_AMAX(amax_f32, float)
FX_AMAX(amax_bf16, bf16)
FX_AMAX(amax_f16, f16)

// q = e4m3(x / s) with s = amax / 448, saturating at ±448 (unlike Cast, which follows c10 and overflows to NaN).
// Block 0 thread 0 stores s for the GEMM's scale pointer, so dequantisation is q · s.
template <typename T>
__device__ __forceinline__ void quantize_e4m3_impl(const T* x, e4m3* q, i64 n, const u32* amax_bits, float* scale_out) {
    float amax = __uint_as_float(*amax_bits);
    float scale = amax > 0.0f ? amax / 448.0f : 1.0f;
    float inverse = 1.0f / scale;
    if (blockIdx.x == 0 && threadIdx.x == 0) *scale_out = scale;
    FX_GRID_STRIDE(i, n) {
        float v = to_f32(x[i]) * inverse;
        v = fminf(fmaxf(v, -448.0f), 448.0f);
        q[i] = from_f32<e4m3>(v);
    }
}

#define FX_QUANTIZE(name, T) \
    extern "C" __global__ void name(const T* x, e4m3* q, i64 n, const u32* amax_bits, float* scale_out) { \
        quantize_e4m3_impl<T>(x, q, n, amax_bits, scale_out); \
    }

FX_QUANTIZE(quantize_e4m3_f32, float)
FX_QUANTIZE(quantize_e4m3_bf16, bf16)
FX_QUANTIZE(quantize_e4m3_f16, f16)
