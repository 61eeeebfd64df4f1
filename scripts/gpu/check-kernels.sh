#!/usr/bin/env bash
# On the GPU machine, the first step of a run (scripts/gpu/run.sh calls it): every embedded kernel module compiled by
# NVRTC through the backend itself (FluxServe.GpuBench check-kernels, exactly what the server does at first use), then
# by nvcc for sm_90 with ptxas's resource report (registers, spills, shared memory) and the attention kernel's
# tensor-core instruction count. Usage: check-kernels.sh GPUBENCH OUTDIR [module.cu ...] (default: every module).
set -uo pipefail
bench="$1"; out="$2"; shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
kernels="$root/src/FluxServe.Engine/Cuda/Kernels"
status=0
"$bench" check-kernels 2>&1 | tee -a "$out/check.log" || status=1
if ! command -v nvcc >/dev/null; then
  echo "no nvcc on this machine: NVRTC result only" | tee -a "$out/ptxas.txt"
  exit $status
fi
work="${TMPDIR:-/tmp}/fluxserve-nvcc"; mkdir -p "$work"
sources=("$@"); [ ${#sources[@]} -eq 0 ] && sources=("$kernels"/*.cu)
for source in "${sources[@]}"; do
  module=$(basename "$source" .cu)
  echo "== $module" >> "$out/ptxas.txt"
  nvcc -std=c++17 -arch=sm_90 -cubin -lineinfo -Xptxas -v -I "$kernels" -o "$work/$module.cubin" "$source" > "$work/$module.log" 2>&1 || status=1
  grep -E 'error|warning|Function properties|registers|spill|bytes smem' "$work/$module.log" >> "$out/ptxas.txt"
done
if [ -f "$work/attention.cubin" ]; then
  echo "== attention SASS: $(cuobjdump -sass "$work/attention.cubin" 2>/dev/null | grep -c HMMA) HMMA, $(cuobjdump -sass "$work/attention.cubin" 2>/dev/null | grep -c LDSM) LDSM, $(cuobjdump -sass "$work/attention.cubin" 2>/dev/null | grep -cE 'LDL|STL') local-memory accesses" >> "$out/ptxas.txt"
fi
exit $status
