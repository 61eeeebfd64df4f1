// Data movement, by element size rather than dtype (u8 … u128): strided row copies (Concat, Slice), permutation,
// nearest-neighbour upsampling. The host widens the unit to 16 bytes wherever sizes, strides and addresses allow.
#include "common.cuh"

// dst[r·dst_stride + c] = src[r·src_stride + c] for r < rows, c < row_units.
template <typename U>
__device__ __forceinline__ void copy_rows_impl(const U* src, U* dst, i64 rows, i64 row_units, i64 src_stride, i64 dst_stride) {
    i64 n = rows * row_units;
    FX_GRID_STRIDE(i, n) {
        i64 r = i / row_units;
        i64 c = i - r * row_units;
        dst[r * dst_stride + c] = src[r * src_stride + c];
    }
}

#define FX_COPY_ROWS(name, U) \
    extern "C" __global__ void name(const U* src, U* dst, i64 rows, i64 row_units, i64 src_stride, i64 dst_stride) { \
        copy_rows_impl<U>(src, dst, rows, row_units, src_stride, dst_stride); \
    }

FX_COPY_ROWS(copy_rows_u8, u8)
FX_COPY_ROWS(copy_rows_u16, u16)
FX_COPY_ROWS(copy_rows_u32, u32)
FX_COPY_ROWS(copy_rows_u64, u64)
FX_COPY_ROWS(copy_rows_u128, u128)

// dst is contiguous over `shape.size`; shape.stride gives, per output dimension, the source stride in units.
template <typename U>
__device__ __forceinline__ void permute_impl(const U* src, U* dst, i64 n, const PermuteShape& s) {
    FX_GRID_STRIDE(i, n) {
        i64 rest = i, offset = 0;
#pragma unroll
        for (int d = FX_MAX_DIMS - 1; d >= 0; --d) {
            if (d < s.rank) {
                i64 size = s.size[d];
                i64 index = rest % size;
                rest /= size;
                offset += index * s.stride[d];
            }
        }
        dst[i] = src[offset];
    }
}

#define FX_PERMUTE(name, U) \
    extern "C" __global__ void name(const U* src, U* dst, i64 n, PermuteShape s) { permute_impl<U>(src, dst, n, s); }

FX_PERMUTE(permute_u8, u8)
FX_PERMUTE(permute_u16, u16)
FX_PERMUTE(permute_u32, u32)
FX_PERMUTE(permute_u64, u64)
FX_PERMUTE(permute_u128, u128)

// [planes, h, w] -> [planes, h·f, w·f], each output pixel the input pixel (y / f, x / f).
template <typename U>
__device__ __forceinline__ void upsample_nearest_impl(const U* src, U* dst, i64 planes, int h, int w, int factor) {
    i64 ow = (i64)w * factor, oh = (i64)h * factor;
    i64 n = planes * oh * ow;
    FX_GRID_STRIDE(i, n) {
        i64 x = i % ow;
        i64 rest = i / ow;
        i64 y = rest % oh;
        i64 plane = rest / oh;
        dst[i] = src[(plane * h + y / factor) * w + x / factor];
    }
}

#define FX_UPSAMPLE_NEAREST(name, U) \
    extern "C" __global__ void name(const U* src, U* dst, i64 planes, int h, int w, int factor) { \
        upsample_nearest_impl<U>(src, dst, planes, h, w, factor); \
    }

FX_UPSAMPLE_NEAREST(upsample_nearest_u8, u8)
FX_UPSAMPLE_NEAREST(upsample_nearest_u16, u16)
FX_UPSAMPLE_NEAREST(upsample_nearest_u32, u32)
FX_UPSAMPLE_NEAREST(upsample_nearest_u64, u64)

// Embedding lookup by rows: dst[i] = table[ids[i]] (row_units units per row). An id outside [0, vocab) gives a zero
// row (the host validates ids it uploads; see CudaBackend.Embedding).
template <typename U, typename I>
__device__ __forceinline__ void gather_rows_impl(const U* table, const I* ids, U* dst, i64 count, i64 row_units, i64 vocab) {
    i64 n = count * row_units;
    FX_GRID_STRIDE(i, n) {
        i64 r = i / row_units;
        i64 c = i - r * row_units;
        i64 id = (i64)ids[r];
        if (id >= 0 && id < vocab) {
            dst[i] = table[id * row_units + c];
        } else {
            U zero;
            unsigned char* bytes = reinterpret_cast<unsigned char*>(&zero);
            for (int b = 0; b < (int)sizeof(U); ++b) bytes[b] = 0;
            dst[i] = zero;
        }
    }
}

#define FX_GATHER_ROWS(name, U, I) \
    extern "C" __global__ void name(const U* table, const I* ids, U* dst, i64 count, i64 row_units, i64 vocab) { \
        gather_rows_impl<U, I>(table, ids, dst, count, row_units, vocab); \
    }

FX_GATHER_ROWS(gather_rows_u8_i32, u8, int)
FX_GATHER_ROWS(gather_rows_u16_i32, u16, int)
FX_GATHER_ROWS(gather_rows_u32_i32, u32, int)
FX_GATHER_ROWS(gather_rows_u64_i32, u64, int)
FX_GATHER_ROWS(gather_rows_u128_i32, u128, int)
FX_GATHER_ROWS(gather_rows_u8_i64, u8, i64)
FX_GATHER_ROWS(gather_rows_u16_i64, u16, i64)
FX_GATHER_ROWS(gather_rows_u32_i64, u32, i64)
FX_GATHER_ROWS(gather_rows_u64_i64, u64, i64)
FX_GATHER_ROWS(gather_rows_u128_i64, u128, i64)
