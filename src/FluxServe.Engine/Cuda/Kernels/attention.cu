// Flash attention forward (Dao et al., FlashAttention-2 structure): O = softmax(Q·Kᵀ·scale + bias [+ causal]) · V
// for bf16 Q, K, V [B, H, L, D] with D = 64 or 128, float32 accumulation and online softmax, so the L×L score matrix
// never leaves registers. Tensor cores through mma.sync.m16n8k16 (sm_80+, also what sm_90 runs without wgmma).
//
// Block: FA_WARPS warps, each owning 16 query rows (FA_BR = 16·FA_WARPS rows per block); the block walks the keys in
// tiles of FA_BC, staging K and V in shared memory with cp.async (K and V in two commit groups, so V is still landing
// while Q·Kᵀ runs). Grid: (ceil(Lq / FA_BR), B·H).
//
// Fragment layouts (PTX ISA, mma.m16n8k16 with .bf16; g = lane / 4, t = lane % 4):
//   A 16x16 row-major, 4 regs: a0 = (g, 2t..2t+1), a1 = (g+8, 2t..), a2 = (g, 2t+8..), a3 = (g+8, 2t+8..)
//   B 16x8 "col-major", 2 regs: b0 = (k = 2t..2t+1, n = g), b1 = (k = 2t+8.., n = g)
//   C 16x8 float, 4 regs: c0,c1 = (g, 2t..2t+1), c2,c3 = (g+8, 2t..2t+1)
// so S = Q·Kᵀ takes B fragments straight from K's rows, the S accumulators of two adjacent 8-key tiles are exactly
// the A fragment of P for the next product, and V's B fragments come from ldmatrix.trans.
#include "common.cuh"

#define FA_WARPS 4
#define FA_BR (16 * FA_WARPS)
#define FA_BC 64

// The Ampere+ instructions, as inline PTX. scripts/gpu/host-check/attention.cpp defines FX_HOST_EMULATION and replaces
// them (and the dynamic shared memory) with a host emulation of their warp semantics, to test this kernel's indexing
// without a GPU.
#ifndef FX_HOST_EMULATION
__device__ __forceinline__ u32 smem_address(const void* p) {
    u32 address;
    asm volatile("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(address) : "l"(p));
    return address;
}

// 16-byte global→shared copy; with `bytes` = 0 the destination is zero-filled (keys past the end).
__device__ __forceinline__ void cp_async_16(u32 dst, const void* src, int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void mma_bf16_16816(float* c, const u32* a, u32 b0, u32 b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldmatrix_x4_trans(u32& r0, u32& r1, u32& r2, u32& r3, u32 address) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(address));
}

#define FX_DYNAMIC_SHARED(name) extern __shared__ __align__(16) unsigned char name[]
#endif

template <int D>
__device__ __forceinline__ void flash_attention_bf16_impl(
    const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v, bf16* __restrict__ o,
    const float* __restrict__ bias, i64 bias_b, i64 bias_h, i64 bias_q, i64 bias_k,
    int heads, int lq, int lk, float scale, int causal) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    constexpr int STRIDE = D + 8;           // shared row stride in bf16: 16 bytes of padding spreads rows over banks
    constexpr int KSTEPS = D / 16;          // k-steps of Q·Kᵀ
    constexpr int NTILES_S = FA_BC / 8;     // 8-key tiles of S
    constexpr int NTILES_O = D / 8;         // 8-column tiles of O
    FX_DYNAMIC_SHARED(shared_raw);
    u16* ks = reinterpret_cast<u16*>(shared_raw);
    u16* vs = ks + FA_BC * STRIDE;

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g = lane >> 2, t = lane & 3;
    const int bh = blockIdx.y;
    const int b = bh / heads, h = bh - b * heads;
    const int block_q0 = blockIdx.x * FA_BR;
    const int r0 = block_q0 + warp * 16 + g;   // this thread's two query rows
    const int r1 = r0 + 8;
    const u16* qb = reinterpret_cast<const u16*>(q) + (i64)bh * lq * D;
    const u16* kb = reinterpret_cast<const u16*>(k) + (i64)bh * lk * D;
    const u16* vb = reinterpret_cast<const u16*>(v) + (i64)bh * lk * D;
    const float scale_log2 = scale * FX_LOG2E;

    // Q fragments stay in registers for the whole key loop.
    u32 qf[KSTEPS][4];
#pragma unroll
    for (int s = 0; s < KSTEPS; ++s) {
        int c = s * 16 + 2 * t;
        qf[s][0] = r0 < lq ? *reinterpret_cast<const u32*>(qb + (i64)r0 * D + c) : 0u;
        qf[s][1] = r1 < lq ? *reinterpret_cast<const u32*>(qb + (i64)r1 * D + c) : 0u;
        qf[s][2] = r0 < lq ? *reinterpret_cast<const u32*>(qb + (i64)r0 * D + c + 8) : 0u;
        qf[s][3] = r1 < lq ? *reinterpret_cast<const u32*>(qb + (i64)r1 * D + c + 8) : 0u;
    }

    float acc[NTILES_O][4];
#pragma unroll
    for (int n = 0; n < NTILES_O; ++n) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.0f;
    float m0 = -FX_INFINITY, m1 = -FX_INFINITY;   // running maxima (log2 domain) of rows r0, r1
    float l0 = 0.0f, l1 = 0.0f;                   // running sums (this thread's columns only)

    // Causal: keys past the block's last query are masked for every row of the block.
    const int key_end = causal ? min(lk, block_q0 + FA_BR) : lk;
    const float* bias_base = bias ? bias + (i64)b * bias_b + (i64)h * bias_h : 0;

    for (int kv0 = 0; kv0 < key_end; kv0 += FA_BC) {
        __syncthreads();   // every warp is done with the previous tile
        constexpr int CHUNKS = FA_BC * (D / 8);   // 16-byte chunks per tile
        for (int i = tid; i < CHUNKS; i += FA_WARPS * 32) {
            int row = i / (D / 8), col = (i % (D / 8)) * 8;
            int key = kv0 + row;
            bool valid = key < lk;
            const u16* src = kb + (i64)(valid ? key : 0) * D + col;
            cp_async_16(smem_address(ks + row * STRIDE + col), src, valid ? 16 : 0);
        }
        cp_async_commit();
        for (int i = tid; i < CHUNKS; i += FA_WARPS * 32) {
            int row = i / (D / 8), col = (i % (D / 8)) * 8;
            int key = kv0 + row;
            bool valid = key < lk;
            const u16* src = vb + (i64)(valid ? key : 0) * D + col;
            cp_async_16(smem_address(vs + row * STRIDE + col), src, valid ? 16 : 0);
        }
        cp_async_commit();
        cp_async_wait<1>();   // K has landed (V may still be in flight)
        __syncthreads();

        // S = Q·Kᵀ for this warp's 16 rows and the tile's FA_BC keys.
        float s[NTILES_S][4];
#pragma unroll
        for (int n = 0; n < NTILES_S; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
#pragma unroll
        for (int step = 0; step < KSTEPS; ++step) {
#pragma unroll
            for (int n = 0; n < NTILES_S; ++n) {
                const u16* kp = ks + (n * 8 + g) * STRIDE + step * 16 + 2 * t;
                u32 b0 = *reinterpret_cast<const u32*>(kp);
                u32 b1 = *reinterpret_cast<const u32*>(kp + 8);
                mma_bf16_16816(s[n], qf[step], b0, b1);
            }
        }

        // Scale into the log2 domain, add the bias, mask; then the online-softmax update.
        float tile_max0 = m0, tile_max1 = m1;
#pragma unroll
        for (int n = 0; n < NTILES_S; ++n) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                int key = kv0 + n * 8 + 2 * t + (e & 1);
                int row = e < 2 ? r0 : r1;
                float value = s[n][e] * scale_log2;
                if (bias_base && key < lk && row < lq) value += bias_base[(i64)row * bias_q + (i64)key * bias_k] * FX_LOG2E;
                if (key >= lk || (causal && key > row)) value = -FX_INFINITY;
                s[n][e] = value;
            }
            tile_max0 = fmaxf(tile_max0, fmaxf(s[n][0], s[n][1]));
            tile_max1 = fmaxf(tile_max1, fmaxf(s[n][2], s[n][3]));
        }
        tile_max0 = fmaxf(tile_max0, __shfl_xor_sync(0xFFFFFFFFu, tile_max0, 1));
        tile_max0 = fmaxf(tile_max0, __shfl_xor_sync(0xFFFFFFFFu, tile_max0, 2));
        tile_max1 = fmaxf(tile_max1, __shfl_xor_sync(0xFFFFFFFFu, tile_max1, 1));
        tile_max1 = fmaxf(tile_max1, __shfl_xor_sync(0xFFFFFFFFu, tile_max1, 2));
        // A row with every key masked so far keeps max -inf: subtract 0 instead so exp2 gives 0, not NaN.
        float base0 = tile_max0 == -FX_INFINITY ? 0.0f : tile_max0;
        float base1 = tile_max1 == -FX_INFINITY ? 0.0f : tile_max1;
        float correction0 = exp2f(m0 - base0);
        float correction1 = exp2f(m1 - base1);
        m0 = tile_max0;
        m1 = tile_max1;
        float sum0 = 0.0f, sum1 = 0.0f;
#pragma unroll
        for (int n = 0; n < NTILES_S; ++n) {
            s[n][0] = exp2f(s[n][0] - base0);
            s[n][1] = exp2f(s[n][1] - base0);
            s[n][2] = exp2f(s[n][2] - base1);
            s[n][3] = exp2f(s[n][3] - base1);
            sum0 += s[n][0] + s[n][1];
            sum1 += s[n][2] + s[n][3];
        }
        l0 = l0 * correction0 + sum0;
        l1 = l1 * correction1 + sum1;
#pragma unroll
        for (int n = 0; n < NTILES_O; ++n) {
            acc[n][0] *= correction0;
            acc[n][1] *= correction0;
            acc[n][2] *= correction1;
            acc[n][3] *= correction1;
        }

        cp_async_wait<0>();   // V has landed
        __syncthreads();

        // O += P·V: P's A fragments are the S accumulators of key tiles 2j and 2j+1; V's B fragments via ldmatrix.
        const int matrix = lane >> 3, matrix_row = lane & 7;
#pragma unroll
        for (int j = 0; j < FA_BC / 16; ++j) {
            u32 pa[4];
            pa[0] = pack_bf16x2(s[2 * j][0], s[2 * j][1]);
            pa[1] = pack_bf16x2(s[2 * j][2], s[2 * j][3]);
            pa[2] = pack_bf16x2(s[2 * j + 1][0], s[2 * j + 1][1]);
            pa[3] = pack_bf16x2(s[2 * j + 1][2], s[2 * j + 1][3]);
            const int key_row = 16 * j + ((matrix & 1) ? 8 : 0) + matrix_row;
#pragma unroll
            for (int dp = 0; dp < D / 16; ++dp) {
                const int col = 16 * dp + ((matrix & 2) ? 8 : 0);
                u32 v0, v1, v2, v3;
                ldmatrix_x4_trans(v0, v1, v2, v3, smem_address(vs + key_row * STRIDE + col));
                mma_bf16_16816(acc[2 * dp], pa, v0, v1);
                mma_bf16_16816(acc[2 * dp + 1], pa, v2, v3);
            }
        }
    }

    l0 += __shfl_xor_sync(0xFFFFFFFFu, l0, 1);
    l0 += __shfl_xor_sync(0xFFFFFFFFu, l0, 2);
    l1 += __shfl_xor_sync(0xFFFFFFFFu, l1, 1);
    l1 += __shfl_xor_sync(0xFFFFFFFFu, l1, 2);
    const float inverse0 = l0 > 0.0f ? 1.0f / l0 : 0.0f;
    const float inverse1 = l1 > 0.0f ? 1.0f / l1 : 0.0f;
    u16* ob = reinterpret_cast<u16*>(o) + (i64)bh * lq * D;
#pragma unroll
    for (int n = 0; n < NTILES_O; ++n) {
        int c = n * 8 + 2 * t;
        if (r0 < lq) *reinterpret_cast<u32*>(ob + (i64)r0 * D + c) = pack_bf16x2(acc[n][0] * inverse0, acc[n][1] * inverse0);
        if (r1 < lq) *reinterpret_cast<u32*>(ob + (i64)r1 * D + c) = pack_bf16x2(acc[n][2] * inverse1, acc[n][3] * inverse1);
    }
#else
    __trap();   // the host only launches this on sm_80 and newer
#endif
}

#define FX_FLASH_ATTENTION(name, D) \
    extern "C" __global__ void __launch_bounds__(FA_WARPS * 32) name( \
        const bf16* q, const bf16* k, const bf16* v, bf16* o, const float* bias, i64 bias_b, i64 bias_h, i64 bias_q, \
        i64 bias_k, int heads, int lq, int lk, float scale, int causal) { \
        flash_attention_bf16_impl<D>(q, k, v, o, bias, bias_b, bias_h, bias_q, bias_k, heads, lq, lk, scale, causal); \
    }

FX_FLASH_ATTENTION(flash_attention_bf16_d64, 64)
FX_FLASH_ATTENTION(flash_attention_bf16_d128, 128)
