// Only for scripts/gpu/check-kernels-clang.sh: lets clang's CUDA front end parse the kernels on a machine without the
// CUDA toolkit. It declares (never defines) the CUDA built-ins the kernels use, as NVRTC provides them; a function
// missing here is reported by clang, and then must also be one NVRTC knows. Not used by the backend.
#pragma once
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__ __restrict
#include "__clang_cuda_builtin_vars.h"

__device__ float expf(float);
__device__ float exp2f(float);
__device__ float logf(float);
__device__ float tanhf(float);
__device__ float erff(float);
__device__ float sqrtf(float);
__device__ float rsqrtf(float);
__device__ float cospif(float);
__device__ float fabsf(float);
__device__ float fminf(float, float);
__device__ float fmaxf(float, float);
__device__ int min(int, int);
__device__ long long min(long long, long long);
__device__ int max(int, int);
__device__ long long max(long long, long long);
__device__ unsigned int __float_as_uint(float);
__device__ float __uint_as_float(unsigned int);
__device__ float __int_as_float(int);
__device__ int __float_as_int(float);
__device__ void __syncthreads();
__device__ float __shfl_xor_sync(unsigned int, float, int);
__device__ int __shfl_xor_sync(unsigned int, int, int);
__device__ unsigned int atomicMax(unsigned int*, unsigned int);
__device__ void __trap();
