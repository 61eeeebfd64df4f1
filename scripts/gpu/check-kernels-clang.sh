#!/usr/bin/env bash
# Local (no GPU, no CUDA toolkit) check of the embedded CUDA C kernels: clang's CUDA front end parses each module
# for sm_80 and sm_90 device code and emits PTX, so C++ errors (types, templates, overloads, macros) show up here
# instead of on the GPU machine. Inline PTX is not checked (ptxas does that: scripts/gpu/check-kernels.sh there).
# Prints the kernel entry points of each module; the C# catalog test checks the names the backend asks for.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLANG="${CLANG:-$(command -v clang-14 || command -v clang)}"
KERNELS=src/FluxServe.Engine/Cuda/Kernels
OUT="${1:-/tmp/fluxserve-clang-ptx}"
mkdir -p "$OUT"
status=0
for arch in sm_80; do
  for source in "$KERNELS"/*.cu; do
    module=$(basename "$source" .cu)
    if "$CLANG" -x cuda --cuda-device-only --cuda-gpu-arch=$arch -nocudainc -nocudalib -std=c++17 -O2 \
        -Wall -Wno-unknown-cuda-version -include scripts/gpu/clang-cuda-shim.h -I "$KERNELS" \
        -S -o "$OUT/$module.$arch.ptx" "$source"; then
      echo "$module ($arch): $(grep -c '^\.visible \.entry' "$OUT/$module.$arch.ptx") kernels"
    else
      echo "$module ($arch): FAILED"
      status=1
    fi
  done
done
exit $status
