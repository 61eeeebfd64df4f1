// Shared by every FluxServe kernel module. Compiled by NVRTC with no system headers at all (nothing to find at run
// time): element types are plain bit containers converted here, and Ampere/Hopper instructions are inline PTX.
//
// Conventions (docs/cuda.md):
//  - every kernel is `extern "C" __global__`, instantiated by an FX_* macro whose first argument is its full name;
//  - float32 is the arithmetic type everywhere; bf16/f16/fp8 are storage only;
//  - float conversions round to nearest even and follow the CPU backend bit for bit (Numerics/*Conversion.cs);
//  - i64 indices, grid-stride loops, 256-thread blocks unless stated.
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

struct bf16 { u16 bits; };
struct f16 { u16 bits; };
struct e4m3 { u8 bits; };
struct e5m2 { u8 bits; };
struct __align__(16) u128 { u64 lo; u64 hi; };

#define FX_MAX_DIMS 6
#define FX_INFINITY __int_as_float(0x7f800000)
#define FX_LOG2E 1.4426950408889634f

#define FX_GRID_STRIDE(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

// ---- float32 <-> storage types ---------------------------------------------------------------------------------

__device__ __forceinline__ float to_f32(float v) { return v; }

__device__ __forceinline__ float to_f32(bf16 v) { return __uint_as_float(((u32)v.bits) << 16); }

// binary16 -> binary32, exact; a NaN keeps its payload with the quiet bit set (as (float)System.Half).
__device__ __forceinline__ float to_f32(f16 v) {
    u32 h = v.bits;
    u32 sign = (h & 0x8000u) << 16;
    u32 exponent = (h >> 10) & 0x1Fu;
    u32 mantissa = h & 0x3FFu;
    u32 bits;
    if (exponent == 0x1Fu) {
        bits = sign | 0x7F800000u | (mantissa << 13) | (mantissa != 0 ? 0x400000u : 0u);
    } else if (exponent == 0) {
        // Subnormal or zero: m * 2^-24 is exact in float32.
        bits = sign | __float_as_uint((float)mantissa * 5.9604644775390625e-8f);
    } else {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    }
    return __uint_as_float(bits);
}

// e4m3fn -> float32, exact; NaN (S.1111.111) widens to sign | 0x7FF00000 as c10 does.
__device__ __forceinline__ float to_f32(e4m3 v) {
    u32 b = v.bits;
    u32 sign = (b & 0x80u) << 24;
    u32 magnitude = b & 0x7Fu;
    if (magnitude == 0x7Fu) return __uint_as_float(sign | 0x7FF00000u);
    u32 exponent = magnitude >> 3;
    u32 mantissa = magnitude & 7u;
    if (exponent == 0) return __uint_as_float(sign | __float_as_uint((float)mantissa * 0.001953125f));
    return __uint_as_float(sign | ((exponent + 120u) << 23) | (mantissa << 20));
}

// e5m2 is the upper byte of a binary16.
__device__ __forceinline__ float to_f32(e5m2 v) { f16 h; h.bits = (u16)(((u32)v.bits) << 8); return to_f32(h); }

template <typename T> __device__ __forceinline__ T from_f32(float v);

template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }

// Round to nearest even; every NaN becomes 0x7FC0 (c10::detail::round_to_nearest_even).
template <> __device__ __forceinline__ bf16 from_f32<bf16>(float v) {
    bf16 r;
    u32 u = __float_as_uint(v);
    r.bits = (v != v) ? (u16)0x7FC0u : (u16)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    return r;
}

// Round to nearest even, overflow to infinity from 65520, subnormals below 2^-14; NaN keeps sign and top payload
// bits with the quiet bit set (as (System.Half)value).
template <> __device__ __forceinline__ f16 from_f32<f16>(float v) {
    u32 u = __float_as_uint(v);
    u32 sign = (u >> 16) & 0x8000u;
    u32 a = u & 0x7FFFFFFFu;
    u32 h;
    if (a > 0x7F800000u) {
        h = 0x7E00u | ((a & 0x7FFFFFu) >> 13);
    } else if (a >= 0x477FF000u) {
        h = 0x7C00u;
    } else if (a < 0x38800000u) {
        // |v| + 0.5 rounds at 2^-24, the binary16 subnormal step; the low bits are the result.
        h = __float_as_uint(__uint_as_float(a) + 0.5f) - 0x3F000000u;
    } else {
        h = (a - 0x38000000u + 0xFFFu + ((a >> 13) & 1u)) >> 13;
    }
    f16 r;
    r.bits = (u16)(sign | h);
    return r;
}

// c10::Float8_e4m3fn: not saturating; magnitudes from 480 up, infinities and NaN give NaN (0x7F) with the sign.
template <> __device__ __forceinline__ e4m3 from_f32<e4m3>(float v) {
    u32 u = __float_as_uint(v);
    u32 sign = u & 0x80000000u;
    u32 a = u ^ sign;
    u32 result;
    if (a >= (1087u << 20)) {
        result = 0x7Fu;
    } else if (a < (121u << 23)) {
        result = __float_as_uint(__uint_as_float(a) + __uint_as_float(141u << 23)) - (141u << 23);
    } else {
        result = (a + 0xC407FFFFu + ((a >> 20) & 1u)) >> 20;
    }
    e4m3 r;
    r.bits = (u8)((result | (sign >> 24)) & 0xFFu);
    return r;
}

// c10::Float8_e5m2: overflow to infinity from 65536; NaN stays NaN (0x7F) with the sign.
template <> __device__ __forceinline__ e5m2 from_f32<e5m2>(float v) {
    u32 u = __float_as_uint(v);
    u32 sign = u & 0x80000000u;
    u32 a = u ^ sign;
    u32 result;
    if (a >= (143u << 23)) {
        result = a > 0x7F800000u ? 0x7Fu : 0x7Cu;
    } else if (a < (113u << 23)) {
        result = __float_as_uint(__uint_as_float(a) + __uint_as_float(134u << 23)) - (134u << 23);
    } else {
        result = (a + 0xC80FFFFFu + ((a >> 21) & 1u)) >> 21;
    }
    e5m2 r;
    r.bits = (u8)((result | (sign >> 24)) & 0xFFu);
    return r;
}

template <typename T> __device__ __forceinline__ float load_f32(const T* p, i64 i) { return to_f32(p[i]); }
template <typename T> __device__ __forceinline__ void store_f32(T* p, i64 i, float v) { p[i] = from_f32<T>(v); }

// Two floats to a packed pair of bf16 (lower column in the low half), for tensor-core fragments.
__device__ __forceinline__ u32 pack_bf16x2(float lo, float hi) {
    return (u32)from_f32<bf16>(lo).bits | ((u32)from_f32<bf16>(hi).bits << 16);
}

// ---- activations (Activation enum order) -----------------------------------------------------------------------

#define FX_ACT_NONE 0
#define FX_ACT_SILU 1
#define FX_ACT_GELU_TANH 2
#define FX_ACT_GELU_EXACT 3
#define FX_ACT_QUICK_GELU 4
#define FX_ACT_RELU 5

__device__ __forceinline__ float activate(float x, int act) {
    switch (act) {
        case FX_ACT_SILU: return x / (1.0f + expf(-x));
        case FX_ACT_GELU_TANH: return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
        case FX_ACT_GELU_EXACT: return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
        case FX_ACT_QUICK_GELU: return x / (1.0f + expf(-1.702f * x));
        case FX_ACT_RELU: return x > 0.0f ? x : 0.0f;
        default: return x;
    }
}

// ---- reductions ------------------------------------------------------------------------------------------------

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
    return v;
}

// Block-wide sum/max for blockDim.x a multiple of 32 (at most 1024); every thread gets the result. `scratch` holds
// 32 floats of shared memory; the call ends with a barrier so it can be reused at once.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < warps; ++w) total += scratch[w];
    __syncthreads();
    return total;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float m = -FX_INFINITY;
    for (int w = 0; w < warps; ++w) m = fmaxf(m, scratch[w]);
    __syncthreads();
    return m;
}

// ---- shapes passed by value (mirrored by Cuda/KernelShapes.cs) ------------------------------------------------

// An output of `rank` dimensions (innermost last) and, per dimension, the element strides of two inputs (0 where
// an input is broadcast).
struct BroadcastShape {
    int rank;
    int pad;
    i64 size[FX_MAX_DIMS];
    i64 stride_a[FX_MAX_DIMS];
    i64 stride_b[FX_MAX_DIMS];
};

// An output of `rank` dimensions and, per dimension, the stride of the source element (in units).
struct PermuteShape {
    int rank;
    int pad;
    i64 size[FX_MAX_DIMS];
    i64 stride[FX_MAX_DIMS];
};
