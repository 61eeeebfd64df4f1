#!/usr/bin/env bash
# On the GPU machine (docs/cuda.md). Unpacks the carried .device/fluxserve-gpu.tar.gz (scripts/gpu/publish.sh) and
# runs one phase, each well under the tool's 10 minutes; logs go to $OUT (at most 8 files come back):
#   check     env, probe, check-kernels (NVRTC through the backend), nvcc/ptxas report of the attention kernel, the
#             CUDA tests (FLUXSERVE_REQUIRE_CUDA=1: a missing GPU fails instead of skipping), tiny networks vs the CPU
#   bench     GpuBench bench (ceilings, T5-XXL, CLIP-L, FLUX.1 step at 1024x1024, VAE decode) and diffusers eager
#   ptxas     nvcc/ptxas resource report (registers, spills, shared memory) of every kernel module
#   compile   diffusers with torch.compile (long compile; run only if time is left)
#   all       check then bench
# Extra arguments after the phase go to GpuBench's bench command (e.g. --fp8, --text-tokens 256, --steps 10).
set -uo pipefail
phase="${1:-check}"; shift || true
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/fluxserve-out}"; mkdir -p "$out"
work=/tmp/fluxserve-gpu
if [ ! -x "$work/publish/FluxServe.GpuBench" ]; then
  rm -rf "$work" && mkdir -p "$work"
  tar xzf "$root/.device/fluxserve-gpu.tar.gz" -C "$work" || { echo "cannot unpack .device/fluxserve-gpu.tar.gz (carry it)"; exit 1; }
fi
bench="$work/publish/FluxServe.GpuBench"
export FLUXSERVE_CUDA_CACHE="$work/kernel-cache"
export DOTNET_gcServer=0
# PyTorch's NVIDIA wheels hold cuBLASLt and NVRTC on these machines; the backend's probe searches there too, this
# just makes the folders explicit (and shows them in env.txt).
python=$(command -v python3 || true)
if [ -n "$python" ]; then
  libs=$("$python" - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
dirs = []
for r in roots:
    for d in glob.glob(os.path.join(r, "nvidia", "*", "lib")) + glob.glob(os.path.join(r, "nvidia", "*", "*", "lib")):
        if d not in dirs:
            dirs.append(d)
print(":".join(dirs))
PY
)
  export FLUXSERVE_CUDA_LIB_DIRS="${FLUXSERVE_CUDA_LIB_DIRS:+$FLUXSERVE_CUDA_LIB_DIRS:}${libs}${CUDA_HOME:+:$CUDA_HOME/lib64}:/usr/local/cuda/lib64"
fi

environment() {
  {
    echo "== $(date -u) phase $phase"; nvidia-smi 2>&1 | head -20
    nvcc --version 2>&1 | tail -2
    "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1
    echo "FLUXSERVE_CUDA_LIB_DIRS=$FLUXSERVE_CUDA_LIB_DIRS"
    for d in ${FLUXSERVE_CUDA_LIB_DIRS//:/ }; do ls "$d" 2>/dev/null | grep -E 'libnvrtc|libcublasLt' | sed "s|^|  $d/|"; done
    ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libnvrtc|libcublasLt' | head
  } >> "$out/env.txt" 2>&1
}

check() {
  "$bench" probe 2>&1 | tee "$out/check.log"
  bash "$root/scripts/gpu/check-kernels.sh" "$bench" "$out" "$root/src/FluxServe.Engine/Cuda/Kernels/attention.cu"
  FLUXSERVE_REQUIRE_CUDA=1 timeout 400 "$bench" test 2>&1 | tee "$out/tests.log" | grep -E '^(tests:|  FAIL|failures:)' 
  "$bench" networks --json "$out/check.json" 2>&1 | tee -a "$out/check.log"
}

bench_phase() {
  timeout 300 "$bench" bench --json "$out/bench.json" "$@" 2>&1 | tee "$out/bench.log"
  if [ -d "$work/diffusers-src/diffusers" ]; then
    PYTHONUNBUFFERED=1 PYTHONPATH="$work/diffusers-src" timeout 240 "$python" "$root/scripts/gpu/diffusers_bench.py" 2>&1 | tee "$out/diffusers.log"
  else
    echo "no diffusers in the tarball (scripts/gpu/prepare-peers.sh before publish.sh)" | tee "$out/diffusers.log"
  fi
}

environment
case "$phase" in
  check) check ;;
  bench) bench_phase "$@" ;;
  ptxas) bash "$root/scripts/gpu/check-kernels.sh" "$bench" "$out"; cat "$out/ptxas.txt" ;;
  compile) PYTHONUNBUFFERED=1 PYTHONPATH="$work/diffusers-src" timeout 560 "$python" "$root/scripts/gpu/diffusers_bench.py" --compile 2>&1 | tee "$out/diffusers-compile.log" ;;
  all) check; bench_phase "$@" ;;
  *) echo "unknown phase '$phase' (check, bench, compile, all)"; exit 2 ;;
esac
echo "== files in \$OUT: $(ls "$out" | tr '\n' ' ')"
