// A fake CUDA driver, NVRTC and cuBLASLt in one host library, for running the CUDA backend (and its tests) on a
// machine without a GPU: device memory is host memory, every call is synchronous, kernels are the embedded .cu files
// compiled as host C++ (device-shim.h) and launched with one thread per CUDA thread, cuBLASLt's matmul is a plain
// column-major loop. Built and used by scripts/gpu/test-on-emulator.sh; never loaded unless FLUXSERVE_CUDA_LIB_DIRS
// points at it. It checks the host side (argument packing, kernel names, shapes, product layouts, dtype policy) and
// the kernels' logic; it says nothing about speed, races or the real hardware's instruction semantics.
#include "device-shim.h"

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../../../src/FluxServe.Engine/Cuda/Kernels/common.cuh"

thread_local FxDim threadIdx;
thread_local FxDim blockIdx;
FxDim blockDim;
FxDim gridDim;
unsigned char* fx_dynamic_shared;

// ---- kernel registry --------------------------------------------------------------------------------------------
static std::map<std::string, FxBound (*)(void**)>& registry() {
    static std::map<std::string, FxBound (*)(void**)> r;
    return r;
}
void fx_register(const FxKernel* kernels, int count) {
    for (int i = 0; i < count; ++i) registry()[kernels[i].name] = kernels[i].bind;
}

// ---- one block at a time, one host thread per CUDA thread ---------------------------------------------------------
struct Warp {
    std::unique_ptr<std::barrier<>> barrier;
    float f[32];
    unsigned a[32][4], b[32][2], address[32];
};
static std::unique_ptr<std::barrier<>> g_block_barrier;
static std::vector<Warp> g_warps;
// Never destroyed: at process exit the detached workers still wait on these, and destroying a condition variable
// with waiters blocks (glibc), which would hang the exit.
static std::mutex& g_pool_mutex = *new std::mutex;
static std::condition_variable& g_pool_wake = *new std::condition_variable;
static std::condition_variable& g_pool_done = *new std::condition_variable;
static unsigned g_pool_size = 0;
static unsigned long long g_generation = 0;
static unsigned g_active = 0, g_remaining = 0;
static const FxBound* g_task = nullptr;
static FxDim g_block_index;

static void worker(unsigned id) {
    unsigned long long seen = 0;
    for (;;) {
        const FxBound* task;
        {
            std::unique_lock lock(g_pool_mutex);
            g_pool_wake.wait(lock, [&] { return g_generation != seen && id < g_active; });
            seen = g_generation;
            task = g_task;
            threadIdx.x = id;
            blockIdx = g_block_index;
        }
        (*task)();
        std::lock_guard lock(g_pool_mutex);
        if (--g_remaining == 0) g_pool_done.notify_one();
    }
}

static void run_block(const FxBound& task, unsigned threads) {
    std::unique_lock lock(g_pool_mutex);
    while (g_pool_size < threads) {
        std::thread(worker, g_pool_size++).detach();
    }
    g_task = &task;
    g_active = threads;
    g_remaining = threads;
    ++g_generation;
    g_pool_wake.notify_all();
    g_pool_done.wait(lock, [] { return g_remaining == 0; });
}

static void launch(const FxBound& task, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned shared_bytes) {
    static std::mutex one_launch_at_a_time;
    std::lock_guard guard(one_launch_at_a_time);
    gridDim = {gx, gy, gz};
    blockDim = {bx, 1, 1};
    std::vector<unsigned char> shared(shared_bytes + 64);
    g_block_barrier = std::make_unique<std::barrier<>>(bx);
    g_warps = std::vector<Warp>((bx + 31) / 32);
    for (auto& w : g_warps) w.barrier = std::make_unique<std::barrier<>>(32);
    for (unsigned z = 0; z < gz; ++z)
        for (unsigned y = 0; y < gy; ++y)
            for (unsigned x = 0; x < gx; ++x) {
                std::memset(shared.data(), 0xFF, shared.size());
                fx_dynamic_shared = shared.data();
                g_block_index = {x, y, z};
                run_block(task, bx);
            }
}

void __syncthreads() { g_block_barrier->arrive_and_wait(); }
static Warp& warp_of() { return g_warps[threadIdx.x / 32]; }

float __shfl_xor_sync(unsigned, float value, int lane_mask) {
    Warp& w = warp_of();
    unsigned lane = threadIdx.x & 31;
    w.f[lane] = value;
    w.barrier->arrive_and_wait();
    float r = w.f[lane ^ (unsigned)lane_mask];
    w.barrier->arrive_and_wait();
    return r;
}

unsigned atomicMax(unsigned* address, unsigned value) {
    std::atomic_ref<unsigned> a(*address);
    unsigned old = a.load();
    while (old < value && !a.compare_exchange_weak(old, value)) {}
    return old;
}

unsigned smem_address(const void* p) { return (unsigned)(static_cast<const unsigned char*>(p) - fx_dynamic_shared); }
void cp_async_16(unsigned dst, const void* src, int bytes) {
    std::memset(fx_dynamic_shared + dst, 0, 16);
    std::memcpy(fx_dynamic_shared + dst, src, bytes);
}

static float bf16_lo(unsigned v) { return __uint_as_float((v & 0xFFFFu) << 16); }
static float bf16_hi(unsigned v) { return __uint_as_float(v & 0xFFFF0000u); }

void mma_bf16_16816(float* c, const unsigned* a, unsigned b0, unsigned b1) {
    Warp& w = warp_of();
    unsigned lane = threadIdx.x & 31;
    for (int i = 0; i < 4; ++i) w.a[lane][i] = a[i];
    w.b[lane][0] = b0;
    w.b[lane][1] = b1;
    w.barrier->arrive_and_wait();
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
    int g = (int)lane >> 2, t = (int)lane & 3;
    int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int i = 0; i < 4; ++i) {
        float sum = 0;
        for (int k = 0; k < 16; ++k) sum += A[rows[i]][k] * B[k][cols[i]];
        c[i] += sum;
    }
    w.barrier->arrive_and_wait();
}

void ldmatrix_x4_trans(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, unsigned address) {
    Warp& w = warp_of();
    unsigned lane = threadIdx.x & 31;
    w.address[lane] = address;
    w.barrier->arrive_and_wait();
    unsigned out[4];
    for (int m = 0; m < 4; ++m) {
        auto element = [&](int row, int col) {
            unsigned short v;
            std::memcpy(&v, fx_dynamic_shared + w.address[8 * m + row] + 2 * col, 2);
            return (unsigned)v;
        };
        int row = 2 * (int)(lane & 3), col = (int)(lane >> 2);
        out[m] = element(row, col) | (element(row + 1, col) << 16);
    }
    r0 = out[0]; r1 = out[1]; r2 = out[2]; r3 = out[3];
    w.barrier->arrive_and_wait();
}

// ---- stream capture: recorded operations ---------------------------------------------------------------------------
static bool g_capturing = false;
static std::vector<std::function<void()>>* g_recording = nullptr;
struct Graph { std::vector<std::function<void()>> operations; };
static void enqueue(std::function<void()> operation) {
    if (g_capturing) g_recording->push_back(std::move(operation));
    else operation();
}

extern "C" {
// ---- driver API -----------------------------------------------------------------------------------------------------
typedef int CUresult;
typedef unsigned long long CUdeviceptr;
const CUresult kCaptureUnsupported = 900, kNotFound = 500;

CUresult cuInit(unsigned) { return 0; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return 0; }
CUresult cuDeviceGetCount(int* c) { *c = 1; return 0; }
CUresult cuDeviceGet(int* d, int) { *d = 0; return 0; }
CUresult cuDeviceGetName(char* name, int length, int) { std::snprintf(name, length, "FluxServe host emulation"); return 0; }
CUresult cuDeviceGetAttribute(int* value, int attribute, int) {
    switch (attribute) {
        case 75: *value = 9; break;            // compute capability 9.0: every code path of an H100
        case 76: *value = 0; break;
        case 16: *value = 1; break;            // one multiprocessor: grids stay small, grid-stride loops do the rest
        case 38: *value = 50 << 20; break;
        case 97: *value = 227 << 10; break;
        case 115: *value = 1; break;
        default: *value = 0; break;
    }
    return 0;
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = 16ull << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void** context, int) { static int c; *context = &c; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void*) { return 0; }
CUresult cuCtxGetCurrent(void** context) { *context = nullptr; return 0; }
CUresult cuCtxSynchronize() { return 0; }
CUresult cuStreamCreate(void** stream, unsigned) { static int s; *stream = &s; return 0; }
CUresult cuStreamDestroy_v2(void*) { return 0; }
CUresult cuStreamSynchronize(void*) { return g_capturing ? kCaptureUnsupported : 0; }
CUresult cuMemGetInfo_v2(size_t* free, size_t* total) { *free = 8ull << 30; *total = 16ull << 30; return 0; }
CUresult cuMemPoolCreate(void** pool, const void*) { static int p; *pool = &p; return 0; }
CUresult cuMemPoolDestroy(void*) { return 0; }
CUresult cuMemPoolSetAttribute(void*, int, void*) { return 0; }
CUresult cuMemPoolGetAttribute(void*, int, void* value) { *(unsigned long long*)value = 0; return 0; }
CUresult cuMemPoolTrimTo(void*, size_t) { return 0; }
CUresult cuMemAllocFromPoolAsync(CUdeviceptr* pointer, size_t bytes, void*, void*) {
    *pointer = (CUdeviceptr)std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    return *pointer ? 0 : 2;
}
CUresult cuMemFreeAsync(CUdeviceptr pointer, void*) {
    if (!g_capturing) std::free((void*)pointer);   // graph memory stays (fixed addresses, as on a GPU)
    return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, void*) {
    if (g_capturing) return kCaptureUnsupported;   // pageable host memory cannot be captured
    std::memcpy((void*)dst, src, bytes);
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, void*) {
    if (g_capturing) return kCaptureUnsupported;
    std::memcpy(dst, (void*)src, bytes);
    return 0;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, void*) {
    enqueue([=] { std::memmove((void*)dst, (void*)src, bytes); });
    return 0;
}
CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, void*) {
    enqueue([=] { std::memset((void*)dst, value, count); });
    return 0;
}
CUresult cuModuleLoadData(void** module, const void* image) { *module = strdup((const char*)image); return 0; }
CUresult cuModuleUnload(void* module) { std::free(module); return 0; }
CUresult cuModuleGetFunction(void** function, void*, const char* name) {
    auto it = registry().find(name);
    if (it == registry().end()) return kNotFound;
    *function = (void*)it->second;
    return 0;
}
CUresult cuFuncSetAttribute(void*, int, int) { return 0; }
CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void*, void** parameters, void**) {
    if (by != 1 || bz != 1 || bx % 32 != 0 || bx > 1024) return 1;
    FxBound bound = ((FxBound(*)(void**))function)(parameters);
    enqueue([=] { launch(bound, gx, gy, gz, bx, shared); });
    return 0;
}
CUresult cuStreamBeginCapture_v2(void*, int) {
    g_capturing = true;
    g_recording = new std::vector<std::function<void()>>();
    return 0;
}
CUresult cuStreamEndCapture(void*, void** graph) {
    g_capturing = false;
    auto* g = new Graph{std::move(*g_recording)};
    delete g_recording;
    g_recording = nullptr;
    *graph = g;
    return 0;
}
CUresult cuGraphInstantiateWithFlags(void** executable, void* graph, unsigned long long) { *executable = graph; return 0; }
CUresult cuGraphLaunch(void* executable, void*) {
    for (auto& operation : static_cast<Graph*>(executable)->operations) operation();
    return 0;
}
CUresult cuGraphExecDestroy(void*) { return 0; }
CUresult cuGraphDestroy(void* graph) { delete static_cast<Graph*>(graph); return 0; }
CUresult cuEventCreate(void** event, unsigned) { *event = new std::chrono::steady_clock::time_point(); return 0; }
CUresult cuEventRecord(void* event, void*) { *static_cast<std::chrono::steady_clock::time_point*>(event) = std::chrono::steady_clock::now(); return 0; }
CUresult cuEventSynchronize(void*) { return 0; }
CUresult cuEventElapsedTime(float* ms, void* start, void* end) {
    *ms = std::chrono::duration<float, std::milli>(*static_cast<std::chrono::steady_clock::time_point*>(end) - *static_cast<std::chrono::steady_clock::time_point*>(start)).count();
    return 0;
}
CUresult cuEventDestroy_v2(void* event) { delete static_cast<std::chrono::steady_clock::time_point*>(event); return 0; }
CUresult cuGetErrorName(CUresult error, const char** name) {
    *name = error == kCaptureUnsupported ? "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED" : error == kNotFound ? "CUDA_ERROR_NOT_FOUND" : "CUDA_ERROR (emulated)";
    return 0;
}
CUresult cuGetErrorString(CUresult, const char** text) { *text = "error in the host emulation"; return 0; }

// ---- NVRTC ----------------------------------------------------------------------------------------------------------
struct Program { std::string name; };
int nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
const char* nvrtcGetErrorString(int) { return "NVRTC (emulated)"; }
int nvrtcGetNumSupportedArchs(int* count) { *count = 2; return 0; }
int nvrtcGetSupportedArchs(int* archs) { archs[0] = 80; archs[1] = 90; return 0; }
int nvrtcCreateProgram(void** program, const char*, const char* name, int, const char* const*, const char* const*) {
    *program = new Program{name ? name : "?"};
    return 0;
}
int nvrtcDestroyProgram(void** program) { delete static_cast<Program*>(*program); *program = nullptr; return 0; }
int nvrtcCompileProgram(void*, int, const char* const*) { return 0; }
int nvrtcGetProgramLogSize(void*, size_t* size) { *size = 1; return 0; }
int nvrtcGetProgramLog(void*, char* log) { log[0] = 0; return 0; }
static std::string image(void* program) { return "FAKE:" + static_cast<Program*>(program)->name; }
int nvrtcGetCUBINSize(void* program, size_t* size) { *size = image(program).size() + 1; return 0; }
int nvrtcGetCUBIN(void* program, char* cubin) { std::string s = image(program); std::memcpy(cubin, s.c_str(), s.size() + 1); return 0; }
int nvrtcGetPTXSize(void* program, size_t* size) { return nvrtcGetCUBINSize(program, size); }
int nvrtcGetPTX(void* program, char* ptx) { return nvrtcGetCUBIN(program, ptx); }

// ---- cuBLASLt -------------------------------------------------------------------------------------------------------
struct Desc { int compute, scale, transA = 0, transB = 0; unsigned epilogue = 1; const void* bias = nullptr; int biasType = -1;
              const float* scaleA = nullptr; const float* scaleB = nullptr; };
struct Layout { int type; unsigned long long rows, cols; long long ld; int batch = 1; long long stride = 0; };
int cublasLtCreate(void** handle) { static int h; *handle = &h; return 0; }
int cublasLtDestroy(void*) { return 0; }
size_t cublasLtGetVersion() { return 130000; }
size_t cublasLtGetCudartVersion() { return 13000; }
const char* cublasLtGetStatusString(int) { return "cuBLASLt (emulated)"; }
const char* cublasLtGetStatusName(int) { return "CUBLAS_STATUS (emulated)"; }
int cublasLtMatmulDescCreate(void** desc, int compute, int scale) { *desc = new Desc{compute, scale}; return 0; }
int cublasLtMatmulDescDestroy(void* desc) { delete static_cast<Desc*>(desc); return 0; }
int cublasLtMatmulDescSetAttribute(void* d, int attribute, const void* value, size_t size) {
    auto* desc = static_cast<Desc*>(d);
    switch (attribute) {
        case 3: desc->transA = *(const int*)value; break;
        case 4: desc->transB = *(const int*)value; break;
        case 7: desc->epilogue = *(const unsigned*)value; break;
        case 8: desc->bias = *(const void* const*)value; break;
        case 17: desc->scaleA = *(const float* const*)value; break;
        case 18: desc->scaleB = *(const float* const*)value; break;
        case 26: desc->biasType = *(const int*)value; break;
        default: return 7;   // CUBLAS_STATUS_INVALID_VALUE: the backend sets only these
    }
    (void)size;
    return 0;
}
int cublasLtMatrixLayoutCreate(void** layout, int type, unsigned long long rows, unsigned long long cols, long long ld) {
    if (ld < (long long)rows) return 7;
    *layout = new Layout{type, rows, cols, ld};
    return 0;
}
int cublasLtMatrixLayoutDestroy(void* layout) { delete static_cast<Layout*>(layout); return 0; }
int cublasLtMatrixLayoutSetAttribute(void* l, int attribute, const void* value, size_t) {
    auto* layout = static_cast<Layout*>(l);
    if (attribute == 5) layout->batch = *(const int*)value;
    else if (attribute == 6) layout->stride = *(const long long*)value;
    else return 7;
    return 0;
}
int cublasLtMatmulPreferenceCreate(void** preference) { static int p; *preference = &p; return 0; }
int cublasLtMatmulPreferenceDestroy(void*) { return 0; }
int cublasLtMatmulPreferenceSetAttribute(void*, int, const void*, size_t) { return 0; }
struct HeuristicResult { unsigned long long algo[8]; size_t workspace; int state; float waves; int reserved[4]; };
int cublasLtMatmulAlgoGetHeuristic(void*, void*, void*, void*, void*, void*, void*, int, HeuristicResult* results, int* count) {
    std::memset(results, 0, sizeof(HeuristicResult));
    *count = 1;
    return 0;
}

static float element(int type, const void* base, long long index) {
    switch (type) {
        case 0: return static_cast<const float*>(base)[index];
        case 2: return to_f32(static_cast<const f16*>(base)[index]);
        case 14: return to_f32(static_cast<const bf16*>(base)[index]);
        case 28: return to_f32(static_cast<const e4m3*>(base)[index]);
        case 29: return to_f32(static_cast<const e5m2*>(base)[index]);
        default: std::abort();
    }
}
static void store(int type, void* base, long long index, float v) {
    switch (type) {
        case 0: static_cast<float*>(base)[index] = v; break;
        case 2: static_cast<f16*>(base)[index] = from_f32<f16>(v); break;
        case 14: static_cast<bf16*>(base)[index] = from_f32<bf16>(v); break;
        default: std::abort();
    }
}
static int size_of(int type) { return type == 0 ? 4 : type == 28 || type == 29 ? 1 : 2; }

// D = alpha · sA · sB · op(A)·op(B) (+ bias per row of D) → epilogue; column-major with leading dimensions.
int cublasLtMatmul(void*, void* d, const float* alpha, const void* A, void* la, const void* B, void* lb, const float* beta,
                   const void*, void*, void* D, void* ld, const void*, void*, size_t, void*) {
    auto* desc = static_cast<Desc*>(d);
    auto* a = static_cast<Layout*>(la);
    auto* b = static_cast<Layout*>(lb);
    auto* dl = static_cast<Layout*>(ld);
    unsigned long long m = dl->rows, n = dl->cols;
    unsigned long long k = desc->transA ? a->rows : a->cols;
    unsigned long long opBRows = desc->transB ? b->cols : b->rows, opARows = desc->transA ? a->cols : a->rows;
    if (opARows != m || opBRows != k || (desc->transB ? b->rows : b->cols) != n) return 7;
    if (*beta != 0) return 15;
    float factor = *alpha;
    Desc copy = *desc;
    int batch = dl->batch;
    enqueue([=] {
        float f = factor * (copy.scaleA ? *copy.scaleA : 1.0f) * (copy.scaleB ? *copy.scaleB : 1.0f);
        int biasType = copy.biasType >= 0 ? copy.biasType : dl->type;
        for (int bi = 0; bi < batch; ++bi) {
            const char* pa = (const char*)A + (long long)bi * a->stride * size_of(a->type);
            const char* pb = (const char*)B + (long long)bi * b->stride * size_of(b->type);
            char* pd = (char*)D + (long long)bi * dl->stride * size_of(dl->type);
            for (unsigned long long j = 0; j < n; ++j)
                for (unsigned long long i = 0; i < m; ++i) {
                    double sum = 0;
                    for (unsigned long long p = 0; p < k; ++p) {
                        float x = element(a->type, pa, copy.transA ? (long long)(p + i * a->ld) : (long long)(i + p * a->ld));
                        float y = element(b->type, pb, copy.transB ? (long long)(j + p * b->ld) : (long long)(p + j * b->ld));
                        sum += (double)x * y;
                    }
                    float v = (float)sum * f;
                    if (copy.epilogue & 4) v += element(biasType, copy.bias, (long long)i);
                    if (copy.epilogue & 32) v = activate(v, FX_ACT_GELU_TANH);
                    if (copy.epilogue & 2) v = v > 0 ? v : 0;
                    store(dl->type, pd, (long long)(i + j * dl->ld), v);
                }
        }
    });
    return 0;
}
}  // extern "C"
