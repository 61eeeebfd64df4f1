// FLUX RoPE (spec/flux-transformer.md §8): pairs (2j, 2j+1) of each head vector rotated by the float32 table
// pe[b or 0, 0, l, j] = [[cos, -sin], [sin, cos]], i.e. out[2j] = pe00·x0 + pe01·x1, out[2j+1] = pe10·x0 + pe11·x1.
// Also the fused attention prologue of a FLUX block: split qkv [B, L, 3, H, D] into heads, RMSNorm q and k, rotate
// them, and write q, k, v as [B, H, L, D], in one pass instead of a permute, two norms and two rotations.
#include "common.cuh"

__device__ __forceinline__ void rotate_pair(const float* p, float x0, float x1, float& y0, float& y1) {
    y0 = p[0] * x0 + p[1] * x1;
    y1 = p[2] * x0 + p[3] * x1;
}

// x, y [B, H, L, D]; one thread per pair.
template <typename T>
__device__ __forceinline__ void rope_impl(const T* x, const float* pe, T* y, int batch, int heads, int length, int d,
                                          int pe_batch) {
    int pairs = d >> 1;
    i64 n = (i64)batch * heads * length * pairs;
    FX_GRID_STRIDE(i, n) {
        int j = (int)(i % pairs);
        i64 row = i / pairs;                    // (b, h, l)
        int l = (int)(row % length);
        int b = (int)(row / ((i64)length * heads));
        const float* p = pe + (((i64)(pe_batch == 1 ? 0 : b) * length + l) * pairs + j) * 4;
        float y0, y1;
        rotate_pair(p, to_f32(x[2 * i]), to_f32(x[2 * i + 1]), y0, y1);
        y[2 * i] = from_f32<T>(y0);
        y[2 * i + 1] = from_f32<T>(y1);
    }
}

#define FX_ROPE(name, T) \
    extern "C" __global__ void name(const T* x, const float* pe, T* y, int batch, int heads, int length, int d, \
                                    int pe_batch) { \
        rope_impl<T>(x, pe, y, batch, heads, length, d, pe_batch); \
    }

FX_ROPE(rope_f32, float)
FX_ROPE(rope_bf16, bf16)
FX_ROPE(rope_f16, f16)

// One warp per (b, l, h): lane holds pairs j = lane + 32·t. D is even and at most 2·32·FX_ROPE_MAX_PAIRS_PER_LANE.
#define FX_ROPE_MAX_PAIRS_PER_LANE 4

template <typename T>
__device__ __forceinline__ void norm_rope_row(const T* in, T* out, const float* weight, const float* p, int d,
                                              float eps, int lane) {
    int pairs = d >> 1;
    float x0[FX_ROPE_MAX_PAIRS_PER_LANE], x1[FX_ROPE_MAX_PAIRS_PER_LANE];
    float squares = 0.0f;
#pragma unroll
    for (int t = 0; t < FX_ROPE_MAX_PAIRS_PER_LANE; ++t) {
        int j = lane + 32 * t;
        x0[t] = 0.0f;
        x1[t] = 0.0f;
        if (j < pairs) {
            x0[t] = to_f32(in[2 * j]);
            x1[t] = to_f32(in[2 * j + 1]);
            squares += x0[t] * x0[t] + x1[t] * x1[t];
        }
    }
    float rstd = rsqrtf(warp_sum(squares) / (float)d + eps);
#pragma unroll
    for (int t = 0; t < FX_ROPE_MAX_PAIRS_PER_LANE; ++t) {
        int j = lane + 32 * t;
        if (j < pairs) {
            // The CPU composition rounds the normalised vector to the activation dtype before rotating; do the same
            // so bf16 results match it, not only the float32 ideal.
            float n0 = to_f32(from_f32<T>(x0[t] * rstd * weight[2 * j]));
            float n1 = to_f32(from_f32<T>(x1[t] * rstd * weight[2 * j + 1]));
            float y0, y1;
            rotate_pair(p + (i64)j * 4, n0, n1, y0, y1);
            out[2 * j] = from_f32<T>(y0);
            out[2 * j + 1] = from_f32<T>(y1);
        }
    }
}

template <typename T>
__device__ __forceinline__ void qkv_norm_rope_impl(const T* qkv, T* q, T* k, T* v, const float* q_scale,
                                                   const float* k_scale, const float* pe, int batch, int length,
                                                   int heads, int d, int pe_batch, float eps) {
    int lane = threadIdx.x & 31;
    i64 rows = (i64)batch * length * heads;
    i64 warps_per_grid = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps_per_grid) {
        int h = (int)(row % heads);
        i64 bl = row / heads;
        int l = (int)(bl % length);
        int b = (int)(bl / length);
        i64 source = bl * 3 * heads * d + (i64)h * d;                   // qkv[b, l, 0, h, :]
        i64 target = (((i64)b * heads + h) * length + l) * d;           // [b, h, l, :]
        const float* p = pe + ((i64)(pe_batch == 1 ? 0 : b) * length + l) * (d >> 1) * 4;
        norm_rope_row<T>(qkv + source, q + target, q_scale, p, d, eps, lane);
        norm_rope_row<T>(qkv + source + (i64)heads * d, k + target, k_scale, p, d, eps, lane);
        const T* vin = qkv + source + 2 * (i64)heads * d;
        for (int c = lane; c < d; c += 32) v[target + c] = vin[c];
    }
}

#define FX_QKV_NORM_ROPE(name, T) \
    extern "C" __global__ void name(const T* qkv, T* q, T* k, T* v, const float* q_scale, const float* k_scale, \
                                    const float* pe, int batch, int length, int heads, int d, int pe_batch, float eps) { \
        qkv_norm_rope_impl<T>(qkv, q, k, v, q_scale, k_scale, pe, batch, length, heads, d, pe_batch, eps); \
    }

FX_QKV_NORM_ROPE(qkv_norm_rope_f32, float)
FX_QKV_NORM_ROPE(qkv_norm_rope_bf16, bf16)
FX_QKV_NORM_ROPE(qkv_norm_rope_f16, f16)
