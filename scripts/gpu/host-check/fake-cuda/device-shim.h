// Host stand-ins for the CUDA built-ins the kernels use, so that Cuda/Kernels/*.cu compile as ordinary C++ and run
// in the fake driver (runtime.cpp): one host thread per CUDA thread of a block, blocks one after another.
// Warp instructions are emulated from their PTX ISA definitions. Test tooling only; never used by the backend.
#pragma once
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <math.h>

#define __device__
#define __global__
#define __forceinline__ inline
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __restrict__
#define __shared__ static      // one block runs at a time, so a static array is that block's shared memory
#define __CUDA_ARCH__ 900
#define FX_HOST_EMULATION 1

struct FxDim { unsigned x = 0, y = 0, z = 0; };
extern thread_local FxDim threadIdx;
extern thread_local FxDim blockIdx;
extern FxDim blockDim;
extern FxDim gridDim;
extern unsigned char* fx_dynamic_shared;

void __syncthreads();
float __shfl_xor_sync(unsigned mask, float value, int lane_mask);
unsigned atomicMax(unsigned* address, unsigned value);
inline void __trap() { std::abort(); }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float cospif(float x) { return (float)std::cos(M_PI * (double)x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

// attention.cu's Ampere instructions.
unsigned smem_address(const void* p);
void cp_async_16(unsigned dst, const void* src, int bytes);
inline void cp_async_commit() {}
template <int N> inline void cp_async_wait() {}
void mma_bf16_16816(float* c, const unsigned* a, unsigned b0, unsigned b1);
void ldmatrix_x4_trans(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, unsigned address);
#define FX_DYNAMIC_SHARED(name) unsigned char* name = fx_dynamic_shared

// Launch adapters: unpack cuLaunchKernel's void** into the kernel's own parameter types.
#include <functional>
#include <tuple>
#include <utility>
using FxBound = std::function<void()>;
template <typename... A, std::size_t... I>
FxBound fx_bind_impl(void (*f)(A...), void** p, std::index_sequence<I...>) {
    auto args = std::make_tuple(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
    return [f, args]() { std::apply(f, args); };
}
template <typename... A>
FxBound fx_bind(void (*f)(A...), void** p) { return fx_bind_impl(f, p, std::index_sequence_for<A...>{}); }
struct FxKernel { const char* name; FxBound (*bind)(void**); };
void fx_register(const FxKernel* kernels, int count);
