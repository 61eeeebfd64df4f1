// Element-wise operations: broadcast binary, affine, activations, row softmax, the attention fallback's masked
// softmax, and per-channel bias.
#include "common.cuh"

#define FX_OP_ADD 0
#define FX_OP_SUB 1
#define FX_OP_MUL 2
#define FX_OP_DIV 3

__device__ __forceinline__ float binary_op(float a, float b, int op) {
    switch (op) {
        case FX_OP_ADD: return a + b;
        case FX_OP_SUB: return a - b;
        case FX_OP_MUL: return a * b;
        default: return a / b;
    }
}

// out[i] = a[ia] op b[ib], where the output index is decomposed over `shape` (innermost last) and each input has its
// own strides (0 where broadcast). The host collapses contiguous dimensions first, so rank is usually 1 to 3.
template <typename T>
__device__ __forceinline__ void binary_impl(const T* a, const T* b, T* out, i64 n, int op, const BroadcastShape& s) {
    FX_GRID_STRIDE(i, n) {
        i64 rest = i, ia = 0, ib = 0;
#pragma unroll
        for (int d = FX_MAX_DIMS - 1; d >= 0; --d) {
            if (d < s.rank) {
                i64 size = s.size[d];
                i64 index = rest % size;
                rest /= size;
                ia += index * s.stride_a[d];
                ib += index * s.stride_b[d];
            }
        }
        out[i] = from_f32<T>(binary_op(to_f32(a[ia]), to_f32(b[ib]), op));
    }
}

// Same shapes, contiguous: no index arithmetic.
template <typename T>
__device__ __forceinline__ void binary_same_impl(const T* a, const T* b, T* out, i64 n, int op) {
    FX_GRID_STRIDE(i, n) { out[i] = from_f32<T>(binary_op(to_f32(a[i]), to_f32(b[i]), op)); }
}

// a is [rows, inner] and b one row [inner] (or a [rows/group, inner] table indexed by row / group): the row-broadcast
// of modulation gates and biases.
template <typename T>
__device__ __forceinline__ void binary_rows_impl(const T* a, const T* b, T* out, i64 n, int op, i64 inner, i64 group) {
    FX_GRID_STRIDE(i, n) {
        i64 row = i / inner;
        i64 col = i - row * inner;
        out[i] = from_f32<T>(binary_op(to_f32(a[i]), to_f32(b[(row / group) * inner + col]), op));
    }
}

#define FX_BINARY(name, T) \
    extern "C" __global__ void name(const T* a, const T* b, T* out, i64 n, int op, BroadcastShape s) { \
        binary_impl<T>(a, b, out, n, op, s); \
    }
#define FX_BINARY_SAME(name, T) \
    extern "C" __global__ void name(const T* a, const T* b, T* out, i64 n, int op) { binary_same_impl<T>(a, b, out, n, op); }
#define FX_BINARY_ROWS(name, T) \
    extern "C" __global__ void name(const T* a, const T* b, T* out, i64 n, int op, i64 inner, i64 group) { \
        binary_rows_impl<T>(a, b, out, n, op, inner, group); \
    }

FX_BINARY(binary_f32, float)
FX_BINARY(binary_bf16, bf16)
FX_BINARY(binary_f16, f16)
FX_BINARY_SAME(binary_same_f32, float)
FX_BINARY_SAME(binary_same_bf16, bf16)
FX_BINARY_SAME(binary_same_f16, f16)
FX_BINARY_ROWS(binary_rows_f32, float)
FX_BINARY_ROWS(binary_rows_bf16, bf16)
FX_BINARY_ROWS(binary_rows_f16, f16)

template <typename T>
__device__ __forceinline__ void affine_impl(const T* x, T* y, i64 n, float multiplier, float addend) {
    FX_GRID_STRIDE(i, n) { y[i] = from_f32<T>(to_f32(x[i]) * multiplier + addend); }
}

#define FX_AFFINE(name, T) \
    extern "C" __global__ void name(const T* x, T* y, i64 n, float multiplier, float addend) { \
        affine_impl<T>(x, y, n, multiplier, addend); \
    }

FX_AFFINE(affine_f32, float)
FX_AFFINE(affine_bf16, bf16)
FX_AFFINE(affine_f16, f16)

template <typename T>
__device__ __forceinline__ void activate_impl(const T* x, T* y, i64 n, int act) {
    FX_GRID_STRIDE(i, n) { y[i] = from_f32<T>(activate(to_f32(x[i]), act)); }
}

#define FX_ACTIVATE(name, T) \
    extern "C" __global__ void name(const T* x, T* y, i64 n, int act) { activate_impl<T>(x, y, n, act); }

FX_ACTIVATE(activate_f32, float)
FX_ACTIVATE(activate_bf16, bf16)
FX_ACTIVATE(activate_f16, f16)

// Softmax over rows of `cols` elements: one block per row (grid-stride over rows), max, sum of exponentials, write.
template <typename T>
__device__ __forceinline__ void softmax_impl(const T* x, T* y, i64 rows, int cols) {
    __shared__ float scratch[32];
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        const T* in = x + row * cols;
        T* out = y + row * cols;
        float m = -FX_INFINITY;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, to_f32(in[c]));
        m = block_max(m, scratch);
        float sum = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) sum += expf(to_f32(in[c]) - m);
        sum = block_sum(sum, scratch);
        float inverse = 1.0f / sum;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) out[c] = from_f32<T>(expf(to_f32(in[c]) - m) * inverse);
    }
}

#define FX_SOFTMAX(name, T) \
    extern "C" __global__ void name(const T* x, T* y, i64 rows, int cols) { softmax_impl<T>(x, y, rows, cols); }

FX_SOFTMAX(softmax_f32, float)
FX_SOFTMAX(softmax_bf16, bf16)
FX_SOFTMAX(softmax_f16, f16)

// The attention fallback's softmax: scores [bh][n][lk] (float32, queries q0..q0+n of every (batch, head)) scaled,
// plus an optional float32 bias read through broadcast strides, causally masked (key > query), normalised into
// probabilities of type T. A row whose every key is masked gives zeros.
template <typename T>
__device__ __forceinline__ void attention_softmax_impl(
    const float* scores, T* probs, i64 rows, int n, int q0, int lk, int heads, float scale,
    const float* bias, i64 bias_b, i64 bias_h, i64 bias_q, i64 bias_k, int causal) {
    __shared__ float scratch[32];
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        i64 bh = row / n;
        int query = q0 + (int)(row - bh * n);
        i64 b = bh / heads, h = bh - b * heads;
        const float* in = scores + row * lk;
        T* out = probs + row * lk;
        const float* bias_row = bias ? bias + b * bias_b + h * bias_h + (i64)query * bias_q : 0;
        int limit = causal ? min(lk, query + 1) : lk;
        float m = -FX_INFINITY;
        for (int c = threadIdx.x; c < limit; c += blockDim.x) {
            float v = in[c] * scale + (bias_row ? bias_row[c * bias_k] : 0.0f);
            m = fmaxf(m, v);
        }
        m = block_max(m, scratch);
        float base = m == -FX_INFINITY ? 0.0f : m;
        float sum = 0.0f;
        for (int c = threadIdx.x; c < limit; c += blockDim.x) {
            sum += expf(in[c] * scale + (bias_row ? bias_row[c * bias_k] : 0.0f) - base);
        }
        sum = block_sum(sum, scratch);
        float inverse = sum > 0.0f ? 1.0f / sum : 0.0f;
        for (int c = threadIdx.x; c < lk; c += blockDim.x) {
            float p = c < limit ? expf(in[c] * scale + (bias_row ? bias_row[c * bias_k] : 0.0f) - base) * inverse : 0.0f;
            out[c] = from_f32<T>(p);
        }
    }
}

#define FX_ATTENTION_SOFTMAX(name, T) \
    extern "C" __global__ void name(const float* scores, T* probs, i64 rows, int n, int q0, int lk, int heads, \
                                    float scale, const float* bias, i64 bias_b, i64 bias_h, i64 bias_q, i64 bias_k, \
                                    int causal) { \
        attention_softmax_impl<T>(scores, probs, rows, n, q0, lk, heads, scale, bias, bias_b, bias_h, bias_q, bias_k, causal); \
    }

FX_ATTENTION_SOFTMAX(attention_softmax_f32, float)
FX_ATTENTION_SOFTMAX(attention_softmax_bf16, bf16)
FX_ATTENTION_SOFTMAX(attention_softmax_f16, f16)

// y[(outer, c, inner)] += bias[c]: the convolution's bias after its matrix product.
template <typename T>
__device__ __forceinline__ void add_channel_bias_impl(T* y, const T* bias, i64 n, i64 inner, int channels) {
    FX_GRID_STRIDE(i, n) {
        int c = (int)((i / inner) % channels);
        y[i] = from_f32<T>(to_f32(y[i]) + to_f32(bias[c]));
    }
}

#define FX_CHANNEL_BIAS(name, T) \
    extern "C" __global__ void name(T* y, const T* bias, i64 n, i64 inner, int channels) { \
        add_channel_bias_impl<T>(y, bias, n, inner, channels); \
    }

FX_CHANNEL_BIAS(add_channel_bias_f32, float)
FX_CHANNEL_BIAS(add_channel_bias_bf16, bf16)
FX_CHANNEL_BIAS(add_channel_bias_f16, f16)
