// Convolution lowering: im2col for one image and a range of output pixels, so that the convolution is the matrix
// product out[O, P] = W[O, C·kh·kw] · col[C·kh·kw, P] (cuBLASLt), chunked over P to bound the scratch memory.
#include "common.cuh"

// col[k][p - p0] for k = (c, ky, kx) and output pixels p0 <= p < p0 + np of an out_h × out_w map; zero padding.
template <typename T>
__device__ __forceinline__ void im2col_impl(const T* x, T* col, int channels, int h, int w, int kh, int kw, int stride,
                                            int pad, int out_w, i64 p0, i64 np) {
    i64 k_total = (i64)channels * kh * kw;
    i64 n = k_total * np;
    FX_GRID_STRIDE(i, n) {
        i64 k = i / np;
        i64 p = p0 + (i - k * np);
        int kx = (int)(k % kw);
        i64 rest = k / kw;
        int ky = (int)(rest % kh);
        int c = (int)(rest / kh);
        int oy = (int)(p / out_w), ox = (int)(p % out_w);
        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        col[i] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[((i64)c * h + iy) * w + ix] : from_f32<T>(0.0f);
    }
}

#define FX_IM2COL(name, T) \
    extern "C" __global__ void name(const T* x, T* col, int channels, int h, int w, int kh, int kw, int stride, \
                                    int pad, int out_w, i64 p0, i64 np) { \
        im2col_impl<T>(x, col, channels, h, w, kh, kw, stride, pad, out_w, p0, np); \
    }

FX_IM2COL(im2col_f32, float)
FX_IM2COL(im2col_bf16, bf16)
FX_IM2COL(im2col_f16, f16)
