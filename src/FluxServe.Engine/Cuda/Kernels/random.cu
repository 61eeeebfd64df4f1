// Device-side fills for tests and benchmarks: counter-based, so element i of a (seed, i) stream is the same whatever
// the launch shape. Not PyTorch's generator (the pipelines make seeded noise on the host, DESIGN.md "Determinism").
#include "common.cuh"

// SplitMix64 finaliser of seed ⊕ (counter · golden ratio): a good 64-bit hash of the pair.
__device__ __forceinline__ u64 mix64(u64 seed, u64 counter) {
    u64 z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in (0, 1]: 24 random bits, never 0 (so log is finite).
__device__ __forceinline__ float uniform01(u32 bits) { return ((float)(bits >> 8) + 1.0f) * 5.9604644775390625e-8f; }

template <typename T>
__device__ __forceinline__ void fill_normal_impl(T* out, i64 n, u64 seed, float mean, float stddev) {
    FX_GRID_STRIDE(i, n) {
        u64 r = mix64(seed, (u64)i);
        float u1 = uniform01((u32)r), u2 = uniform01((u32)(r >> 32));
        float z = sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);   // Box–Muller
        out[i] = from_f32<T>(mean + stddev * z);
    }
}

template <typename T>
__device__ __forceinline__ void fill_uniform_impl(T* out, i64 n, u64 seed, float low, float high) {
    FX_GRID_STRIDE(i, n) {
        u64 r = mix64(seed, (u64)i);
        out[i] = from_f32<T>(low + (high - low) * (uniform01((u32)r) - 5.9604644775390625e-8f));
    }
}

template <typename T>
__device__ __forceinline__ void fill_value_impl(T* out, i64 n, float value) {
    FX_GRID_STRIDE(i, n) { out[i] = from_f32<T>(value); }
}

#define FX_FILL_NORMAL(name, T) \
    extern "C" __global__ void name(T* out, i64 n, u64 seed, float mean, float stddev) { \
        fill_normal_impl<T>(out, n, seed, mean, stddev); \
    }
#define FX_FILL_UNIFORM(name, T) \
    extern "C" __global__ void name(T* out, i64 n, u64 seed, float low, float high) { \
        fill_uniform_impl<T>(out, n, seed, low, high); \
    }
#define FX_FILL_VALUE(name, T) \
    extern "C" __global__ void name(T* out, i64 n, float value) { fill_value_impl<T>(out, n, value); }

FX_FILL_NORMAL(fill_normal_f32, float)
FX_FILL_NORMAL(fill_normal_bf16, bf16)
FX_FILL_NORMAL(fill_normal_f16, f16)
FX_FILL_NORMAL(fill_normal_e4m3, e4m3)
FX_FILL_UNIFORM(fill_uniform_f32, float)
FX_FILL_UNIFORM(fill_uniform_bf16, bf16)
FX_FILL_UNIFORM(fill_uniform_f16, f16)
FX_FILL_VALUE(fill_value_f32, float)
FX_FILL_VALUE(fill_value_bf16, bf16)
FX_FILL_VALUE(fill_value_f16, f16)
