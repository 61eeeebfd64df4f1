// Host build of the CUDA kernels' float conversions (Cuda/Kernels/common.cuh), for check-kernels-host.sh:
// writes, for every 16-bit and 8-bit pattern and ~1M float32 values, what the device code computes, so that
// conversions.cs can compare it bit for bit with the CPU backend's Numerics. No GPU involved.
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <cmath>
#include <vector>

#define __device__
#define __global__
#define __shared__ static
#define __forceinline__ inline
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __restrict__
struct FxDim { unsigned x, y, z; };
static FxDim threadIdx, blockIdx, blockDim, gridDim;
static inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline float __shfl_xor_sync(unsigned, float v, int) { return v; }
static inline void __syncthreads() {}
#include <math.h>

#include "../../../src/FluxServe.Engine/Cuda/Kernels/common.cuh"

int main(int argc, char** argv) {
    FILE* out = std::fopen(argc > 1 ? argv[1] : "conversions.bin", "wb");
    if (!out) return 1;
    // Widening: every pattern.
    for (unsigned b = 0; b < 65536; ++b) { bf16 v; v.bits = (u16)b; float f = to_f32(v); std::fwrite(&f, 4, 1, out); }
    for (unsigned b = 0; b < 65536; ++b) { f16 v; v.bits = (u16)b; float f = to_f32(v); std::fwrite(&f, 4, 1, out); }
    for (unsigned b = 0; b < 256; ++b) { e4m3 v; v.bits = (u8)b; float f = to_f32(v); std::fwrite(&f, 4, 1, out); }
    for (unsigned b = 0; b < 256; ++b) { e5m2 v; v.bits = (u8)b; float f = to_f32(v); std::fwrite(&f, 4, 1, out); }
    // Narrowing: a stride through all float32 patterns plus every pattern near the formats' boundaries.
    std::vector<unsigned> inputs;
    for (unsigned long long u = 0; u < (1ull << 32); u += 4093) inputs.push_back((unsigned)u);
    const float anchors[] = {448.f, 464.f, 480.f, 57344.f, 61440.f, 65504.f, 65520.f, 65536.f, 6.1035156e-5f, 1.5258789e-5f,
                             5.9604645e-8f, 0.015625f, 0.001953125f, 1.0f, 3.3895314e38f};
    for (float a : anchors)
        for (int d = -2048; d <= 2048; ++d)
            for (unsigned sign : {0u, 0x80000000u}) inputs.push_back((__float_as_uint(a) + d) ^ sign);
    unsigned count = (unsigned)inputs.size();
    std::fwrite(&count, 4, 1, out);
    for (unsigned u : inputs) {
        float f = __uint_as_float(u);
        u16 b = from_f32<bf16>(f).bits, h = from_f32<f16>(f).bits;
        u8 e4 = from_f32<e4m3>(f).bits, e5 = from_f32<e5m2>(f).bits;
        std::fwrite(&u, 4, 1, out); std::fwrite(&b, 2, 1, out); std::fwrite(&h, 2, 1, out);
        std::fwrite(&e4, 1, 1, out); std::fwrite(&e5, 1, 1, out);
    }
    std::fclose(out);
    return 0;
}
