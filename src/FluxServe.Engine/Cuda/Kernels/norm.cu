// Normalisations: LayerNorm (optionally fused with adaLN modulation), RMSNorm, modulation, GroupNorm.
// Row norms give one warp per row (8 rows per 256-thread block): FLUX rows are 3072 wide, its q/k rows 128, and a
// warp-wide reduction needs no shared memory or barriers. Statistics are two-pass (mean, then centred squares) in
// float32, as the CPU backend does, so a row with a large mean keeps its precision.
#include "common.cuh"

// y = (x - mean) * rstd [* weight + bias], then, if shift/scale are given, y * (1 + scale[b]) + shift[b] where
// b = row / rows_per_batch and shift/scale rows are `mod_stride` elements apart (the [B, 1, D] adaLN vectors).
template <typename T>
__device__ __forceinline__ void layer_norm_impl(
    const T* x, T* y, const float* weight, const float* bias, const T* shift, const T* scale,
    i64 rows, int d, i64 rows_per_batch, i64 mod_stride, float eps) {
    int lane = threadIdx.x & 31;
    i64 warps_per_grid = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps_per_grid) {
        const T* in = x + row * d;
        T* out = y + row * d;
        float sum = 0.0f;
        for (int c = lane; c < d; c += 32) sum += to_f32(in[c]);
        float mean = warp_sum(sum) / (float)d;
        float squares = 0.0f;
        for (int c = lane; c < d; c += 32) {
            float centred = to_f32(in[c]) - mean;
            squares += centred * centred;
        }
        float rstd = rsqrtf(warp_sum(squares) / (float)d + eps);
        i64 b = row / rows_per_batch;
        const T* sh = shift ? shift + b * mod_stride : 0;
        const T* sc = scale ? scale + b * mod_stride : 0;
        for (int c = lane; c < d; c += 32) {
            float v = (to_f32(in[c]) - mean) * rstd;
            if (weight) v *= weight[c];
            if (bias) v += bias[c];
            if (sc) v *= 1.0f + to_f32(sc[c]);
            if (sh) v += to_f32(sh[c]);
            out[c] = from_f32<T>(v);
        }
    }
}

#define FX_LAYER_NORM(name, T) \
    extern "C" __global__ void name(const T* x, T* y, const float* weight, const float* bias, const T* shift, \
                                    const T* scale, i64 rows, int d, i64 rows_per_batch, i64 mod_stride, float eps) { \
        layer_norm_impl<T>(x, y, weight, bias, shift, scale, rows, d, rows_per_batch, mod_stride, eps); \
    }

FX_LAYER_NORM(layer_norm_f32, float)
FX_LAYER_NORM(layer_norm_bf16, bf16)
FX_LAYER_NORM(layer_norm_f16, f16)

// y = x / sqrt(mean(x²) + eps) * weight.
template <typename T>
__device__ __forceinline__ void rms_norm_impl(const T* x, T* y, const float* weight, i64 rows, int d, float eps) {
    int lane = threadIdx.x & 31;
    i64 warps_per_grid = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps_per_grid) {
        const T* in = x + row * d;
        T* out = y + row * d;
        float squares = 0.0f;
        for (int c = lane; c < d; c += 32) {
            float v = to_f32(in[c]);
            squares += v * v;
        }
        float rstd = rsqrtf(warp_sum(squares) / (float)d + eps);
        for (int c = lane; c < d; c += 32) out[c] = from_f32<T>(to_f32(in[c]) * rstd * weight[c]);
    }
}

#define FX_RMS_NORM(name, T) \
    extern "C" __global__ void name(const T* x, T* y, const float* weight, i64 rows, int d, float eps) { \
        rms_norm_impl<T>(x, y, weight, rows, d, eps); \
    }

FX_RMS_NORM(rms_norm_f32, float)
FX_RMS_NORM(rms_norm_bf16, bf16)
FX_RMS_NORM(rms_norm_f16, f16)

// y = x * (1 + scale[b]) + shift[b], x [rows, d], b = row / rows_per_batch.
template <typename T>
__device__ __forceinline__ void modulate_impl(const T* x, const T* shift, const T* scale, T* y, i64 n, int d,
                                              i64 rows_per_batch, i64 mod_stride) {
    FX_GRID_STRIDE(i, n) {
        i64 row = i / d;
        int c = (int)(i - row * d);
        i64 m = (row / rows_per_batch) * mod_stride + c;
        y[i] = from_f32<T>(to_f32(x[i]) * (1.0f + to_f32(scale[m])) + to_f32(shift[m]));
    }
}

#define FX_MODULATE(name, T) \
    extern "C" __global__ void name(const T* x, const T* shift, const T* scale, T* y, i64 n, int d, \
                                    i64 rows_per_batch, i64 mod_stride) { \
        modulate_impl<T>(x, shift, scale, y, n, d, rows_per_batch, mod_stride); \
    }

FX_MODULATE(modulate_f32, float)
FX_MODULATE(modulate_bf16, bf16)
FX_MODULATE(modulate_f16, f16)

// GroupNorm over x [B, C, S]: group (b, g) is the contiguous run of (C/G)·S elements at (b·G + g)·(C/G)·S.
// Stage 1: block (chunk, group) computes count/mean/M2 of its chunk (Welford per thread, merged in a fixed order),
// so the result does not depend on scheduling. Stage 2 merges the chunks of each group (Chan et al.) and stores
// mean and 1/sqrt(var + eps). Stage 3 normalises, applies the per-channel affine and an optional activation.
struct WelfordStats { float count; float mean; float m2; };

__device__ __forceinline__ WelfordStats welford_merge(WelfordStats a, WelfordStats b) {
    if (b.count == 0.0f) return a;
    if (a.count == 0.0f) return b;
    WelfordStats r;
    r.count = a.count + b.count;
    float delta = b.mean - a.mean;
    float wb = b.count / r.count;
    r.mean = a.mean + delta * wb;
    r.m2 = a.m2 + b.m2 + delta * delta * a.count * wb;
    return r;
}

template <typename T>
__device__ __forceinline__ void group_norm_stats_impl(const T* x, float* partials, i64 group_length, int chunks) {
    __shared__ WelfordStats shared[256];
    i64 group = blockIdx.y;
    i64 chunk_length = (group_length + chunks - 1) / chunks;
    i64 begin = (i64)blockIdx.x * chunk_length;
    i64 end = min(begin + chunk_length, group_length);
    const T* data = x + group * group_length;
    WelfordStats s; s.count = 0.0f; s.mean = 0.0f; s.m2 = 0.0f;
    for (i64 i = begin + threadIdx.x; i < end; i += blockDim.x) {
        float v = to_f32(data[i]);
        s.count += 1.0f;
        float delta = v - s.mean;
        s.mean += delta / s.count;
        s.m2 += delta * (v - s.mean);
    }
    shared[threadIdx.x] = s;
    __syncthreads();
    for (int width = blockDim.x >> 1; width > 0; width >>= 1) {
        if ((int)threadIdx.x < width) shared[threadIdx.x] = welford_merge(shared[threadIdx.x], shared[threadIdx.x + width]);
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        float* out = partials + (group * chunks + blockIdx.x) * 3;
        out[0] = shared[0].count;
        out[1] = shared[0].mean;
        out[2] = shared[0].m2;
    }
}

#define FX_GROUP_NORM_STATS(name, T) \
    extern "C" __global__ void __launch_bounds__(256) name(const T* x, float* partials, i64 group_length, int chunks) { \
        group_norm_stats_impl<T>(x, partials, group_length, chunks); \
    }

FX_GROUP_NORM_STATS(group_norm_stats_f32, float)
FX_GROUP_NORM_STATS(group_norm_stats_bf16, bf16)
FX_GROUP_NORM_STATS(group_norm_stats_f16, f16)

// One thread per group: merge its chunks in order; stats[2g] = mean, stats[2g+1] = 1/sqrt(var + eps).
extern "C" __global__ void group_norm_finalize(const float* partials, float* stats, int groups, int chunks, float eps) {
    int g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= groups) return;
    WelfordStats s; s.count = 0.0f; s.mean = 0.0f; s.m2 = 0.0f;
    for (int c = 0; c < chunks; ++c) {
        const float* p = partials + ((i64)g * chunks + c) * 3;
        WelfordStats t; t.count = p[0]; t.mean = p[1]; t.m2 = p[2];
        s = welford_merge(s, t);
    }
    float variance = s.count > 0.0f ? s.m2 / s.count : 0.0f;
    stats[2 * g] = s.mean;
    stats[2 * g + 1] = rsqrtf(variance + eps);
}

template <typename T>
__device__ __forceinline__ void group_norm_apply_impl(const T* x, T* y, const float* stats, const float* weight,
                                                      const float* bias, i64 n, int channels, int groups,
                                                      i64 spatial, int act) {
    int per_group = channels / groups;
    FX_GRID_STRIDE(i, n) {
        i64 plane = i / spatial;              // b * C + c
        int c = (int)(plane % channels);
        i64 b = plane / channels;
        i64 g = b * groups + c / per_group;
        float v = (to_f32(x[i]) - stats[2 * g]) * stats[2 * g + 1];
        if (weight) v *= weight[c];
        if (bias) v += bias[c];
        y[i] = from_f32<T>(activate(v, act));
    }
}

#define FX_GROUP_NORM_APPLY(name, T) \
    extern "C" __global__ void name(const T* x, T* y, const float* stats, const float* weight, const float* bias, \
                                    i64 n, int channels, int groups, i64 spatial, int act) { \
        group_norm_apply_impl<T>(x, y, stats, weight, bias, n, channels, groups, spatial, act); \
    }

FX_GROUP_NORM_APPLY(group_norm_apply_f32, float)
FX_GROUP_NORM_APPLY(group_norm_apply_bf16, bf16)
FX_GROUP_NORM_APPLY(group_norm_apply_f16, f16)
