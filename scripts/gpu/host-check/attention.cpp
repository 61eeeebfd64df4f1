// Host emulation of the flash-attention kernel (Cuda/Kernels/attention.cu), for check-kernels-host.sh: the kernel's
// own source runs with one std::thread per CUDA thread, and its warp-level instructions (mma.sync m16n8k16,
// ldmatrix .x4 .trans, shfl.xor, cp.async) are emulated from their PTX ISA definitions. It checks the kernel's
// indexing, tiling, masking and online softmax against a double-precision reference without a GPU. What it cannot
// check: that the fragment layouts written here are the hardware's (they are the PTX manual's), timing, races.
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#define __device__
#define __global__
#define __forceinline__ inline
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __restrict__
#define __CUDA_ARCH__ 800
#define FX_HOST_EMULATION 1

struct FxDim { unsigned x = 0, y = 0, z = 0; };
static thread_local FxDim threadIdx, blockIdx;
static FxDim blockDim, gridDim;
static inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline void __trap() { std::abort(); }
static inline int min(int a, int b) { return a < b ? a : b; }
#include <math.h>

// ---- emulated block ----
static unsigned char* g_shared;
static std::barrier<>* g_block;
struct Warp {
    std::barrier<> barrier{32};
    float f[32];
    unsigned a[32][4], b[32][2];
    float c[32][4];
    unsigned address[32];
};
static Warp* g_warps;

static void __syncthreads() { g_block->arrive_and_wait(); }
static Warp& warp_of() { return g_warps[threadIdx.x / 32]; }

static float __shfl_xor_sync(unsigned, float v, int mask) {
    Warp& w = warp_of();
    int lane = threadIdx.x & 31;
    w.f[lane] = v;
    w.barrier.arrive_and_wait();
    float r = w.f[lane ^ mask];
    w.barrier.arrive_and_wait();
    return r;
}

#include "../../../src/FluxServe.Engine/Cuda/Kernels/common.cuh"

static u32 smem_address(const void* p) { return (u32)(static_cast<const unsigned char*>(p) - g_shared); }
static void cp_async_16(u32 dst, const void* src, int bytes) {
    std::memset(g_shared + dst, 0, 16);
    std::memcpy(g_shared + dst, src, bytes);
}
static void cp_async_commit() {}
template <int N> static void cp_async_wait() {}

static float bf16_lo(unsigned v) { return __uint_as_float((v & 0xFFFFu) << 16); }
static float bf16_hi(unsigned v) { return __uint_as_float(v & 0xFFFF0000u); }

// D = A·B + C for the warp: A 16x16 and B 16x8 rebuilt from every lane's fragments (PTX ISA layouts, g = lane/4,
// t = lane%4), each lane then computes its own four accumulators.
static void mma_bf16_16816(float* c, const u32* a, u32 b0, u32 b1) {
    Warp& w = warp_of();
    int lane = threadIdx.x & 31;
    for (int i = 0; i < 4; ++i) w.a[lane][i] = a[i];
    w.b[lane][0] = b0;
    w.b[lane][1] = b1;
    w.barrier.arrive_and_wait();
    float A[16][16], B[16][8];
    for (int l = 0; l < 32; ++l) {
        int g = l >> 2, t = l & 3;
        A[g][2 * t] = bf16_lo(w.a[l][0]);         A[g][2 * t + 1] = bf16_hi(w.a[l][0]);
        A[g + 8][2 * t] = bf16_lo(w.a[l][1]);     A[g + 8][2 * t + 1] = bf16_hi(w.a[l][1]);
        A[g][2 * t + 8] = bf16_lo(w.a[l][2]);     A[g][2 * t + 9] = bf16_hi(w.a[l][2]);
        A[g + 8][2 * t + 8] = bf16_lo(w.a[l][3]); A[g + 8][2 * t + 9] = bf16_hi(w.a[l][3]);
        B[2 * t][g] = bf16_lo(w.b[l][0]);         B[2 * t + 1][g] = bf16_hi(w.b[l][0]);
        B[2 * t + 8][g] = bf16_lo(w.b[l][1]);     B[2 * t + 9][g] = bf16_hi(w.b[l][1]);
    }
    int g = lane >> 2, t = lane & 3;
    int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int i = 0; i < 4; ++i) {
        float sum = 0;
        for (int k = 0; k < 16; ++k) sum += A[rows[i]][k] * B[k][cols[i]];
        c[i] += sum;
    }
    w.barrier.arrive_and_wait();
}

// ldmatrix .x4 .trans: lanes 8m..8m+7 give the row addresses of matrix m (8 rows of 8 b16); lane L receives from
// each matrix the pair (row 2·(L%4), col L/4), (row 2·(L%4)+1, col L/4), lower half first.
static void ldmatrix_x4_trans(u32& r0, u32& r1, u32& r2, u32& r3, u32 address) {
    Warp& w = warp_of();
    int lane = threadIdx.x & 31;
    w.address[lane] = address;
    w.barrier.arrive_and_wait();
    u32 out[4];
    for (int m = 0; m < 4; ++m) {
        auto element = [&](int row, int col) {
            u16 v;
            std::memcpy(&v, g_shared + w.address[8 * m + row] + 2 * col, 2);
            return (u32)v;
        };
        int row = 2 * (lane & 3), col = lane >> 2;
        out[m] = element(row, col) | (element(row + 1, col) << 16);
    }
    r0 = out[0]; r1 = out[1]; r2 = out[2]; r3 = out[3];
    w.barrier.arrive_and_wait();
}

#define FX_DYNAMIC_SHARED(name) unsigned char* name = g_shared

#include "../../../src/FluxServe.Engine/Cuda/Kernels/attention.cu"

// ---- driver ----
template <int D>
static void launch(const std::vector<bf16>& q, const std::vector<bf16>& k, const std::vector<bf16>& v, std::vector<bf16>& o,
                   const float* bias, i64 sb, i64 sh, i64 sq, i64 sk, int batch, int heads, int lq, int lk, float scale, int causal) {
    std::vector<unsigned char> shared(2 * FA_BC * (D + 8) * 2 + 16);
    std::vector<Warp> warps(FA_WARPS);
    g_warps = warps.data();
    blockDim.x = FA_WARPS * 32;
    gridDim.x = (lq + FA_BR - 1) / FA_BR;
    gridDim.y = batch * heads;
    for (unsigned by = 0; by < gridDim.y; ++by) {
        for (unsigned bx = 0; bx < gridDim.x; ++bx) {
            std::memset(shared.data(), 0xFF, shared.size());   // NaN everywhere: reading unwritten shared memory shows
            g_shared = shared.data();
            std::barrier<> block(FA_WARPS * 32);
            g_block = &block;
            std::vector<std::thread> threads;
            for (unsigned t = 0; t < FA_WARPS * 32; ++t) {
                threads.emplace_back([&, t] {
                    threadIdx.x = t;
                    blockIdx.x = bx;
                    blockIdx.y = by;
                    flash_attention_bf16_impl<D>(q.data(), k.data(), v.data(), o.data(), bias, sb, sh, sq, sk, heads, lq, lk, scale, causal);
                });
            }
            for (auto& thread : threads) thread.join();
        }
    }
}

static int check(int batch, int heads, int lq, int lk, int d, bool causal, bool with_bias, unsigned seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
    auto fill = [&](size_t n) { std::vector<bf16> x(n); for (auto& e : x) e = from_f32<bf16>(uniform(random)); return x; };
    auto q = fill((size_t)batch * heads * lq * d), k = fill((size_t)batch * heads * lk * d), v = fill((size_t)batch * heads * lk * d);
    std::vector<float> bias;
    i64 sb = 0, sh = 0, sq = 0, sk = 0;
    if (with_bias) {   // [B, 1, Lq, Lk]: broadcast over heads
        bias.resize((size_t)batch * lq * lk);
        for (auto& e : bias) e = uniform(random);
        sb = (i64)lq * lk; sh = 0; sq = lk; sk = 1;
    }
    std::vector<bf16> o((size_t)batch * heads * lq * d);
    for (auto& e : o) e.bits = 0xFFFF;   // NaN: an unwritten output element shows
    float scale = 1.0f / std::sqrt((float)d);
    if (d == 64) launch<64>(q, k, v, o, with_bias ? bias.data() : nullptr, sb, sh, sq, sk, batch, heads, lq, lk, scale, causal);
    else launch<128>(q, k, v, o, with_bias ? bias.data() : nullptr, sb, sh, sq, sk, batch, heads, lq, lk, scale, causal);

    double error = 0, norm = 0, worst = 0;
    for (int b = 0; b < batch; ++b)
        for (int h = 0; h < heads; ++h)
            for (int i = 0; i < lq; ++i) {
                std::vector<double> s(lk);
                double m = -INFINITY;
                for (int j = 0; j < lk; ++j) {
                    double dot = 0;
                    for (int c = 0; c < d; ++c)
                        dot += (double)to_f32(q[(((size_t)b * heads + h) * lq + i) * d + c]) * to_f32(k[(((size_t)b * heads + h) * lk + j) * d + c]);
                    s[j] = dot * scale + (with_bias ? bias[b * sb + i * sq + j * sk] : 0.0);
                    if (causal && j > i) s[j] = -INFINITY;
                    m = std::max(m, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < lk; ++j) sum += s[j] == -INFINITY ? 0 : std::exp(s[j] - m);
                for (int c = 0; c < d; ++c) {
                    double expected = 0;
                    for (int j = 0; j < lk; ++j)
                        if (s[j] != -INFINITY) expected += std::exp(s[j] - m) / sum * to_f32(v[(((size_t)b * heads + h) * lk + j) * d + c]);
                    double got = to_f32(o[(((size_t)b * heads + h) * lq + i) * d + c]);
                    if (std::isnan(got)) { std::printf("  NaN at b%d h%d q%d c%d\n", b, h, i, c); return 1; }
                    error += (got - expected) * (got - expected);
                    norm += expected * expected;
                    worst = std::max(worst, std::abs(got - expected));
                }
            }
    double relative = std::sqrt(error / norm);
    bool ok = relative < 1e-2;
    std::printf("attention B%d H%d Lq%d Lk%d D%d%s%s: relative L2 %.2e, max |error| %.2e %s\n", batch, heads, lq, lk, d,
                causal ? " causal" : "", with_bias ? " bias" : "", relative, worst, ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}

int main() {
    int failures = 0;
    failures += check(1, 2, 130, 70, 64, false, false, 1);
    failures += check(1, 1, 65, 65, 128, true, false, 2);
    failures += check(2, 2, 64, 100, 64, false, true, 3);
    failures += check(1, 2, 129, 129, 64, true, true, 4);
    failures += check(1, 1, 1, 1, 128, false, false, 5);
    failures += check(1, 1, 200, 300, 128, false, false, 6);
    std::printf(failures == 0 ? "attention: emulated kernel matches the reference\n" : "attention: %d cases FAILED\n", failures);
    return failures == 0 ? 0 : 1;
}
