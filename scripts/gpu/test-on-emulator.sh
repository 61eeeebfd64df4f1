#!/usr/bin/env bash
# No GPU needed (g++, Python 3, .NET SDK): runs the CUDA backend's tests against a fake CUDA driver, NVRTC and
# cuBLASLt (host-check/fake-cuda) in which "device" memory is host memory and the kernels are Cuda/Kernels/*.cu
# compiled as host C++, one thread per CUDA thread. It exercises everything on the host side of the backend (library
# probing, argument packing, kernel names, product layouts, dtype policy, graphs) and the kernels' logic against the
# CPU oracle; it cannot tell anything about speed or the real hardware. Large cases are skipped under emulation
# (CudaCheck.TooLargeForEmulation). An optional argument narrows the tests: a name fragment such as CudaAttentionTests.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
fake="${TMPDIR:-/tmp}/fluxserve-fake-cuda"
mkdir -p "$fake/src"
python3 - "$root" "$fake/src" <<'PY'
import os, re, sys
root, out = sys.argv[1], sys.argv[2]
kernels = os.path.join(root, "src/FluxServe.Engine/Cuda/Kernels")
for file in sorted(os.listdir(kernels)):
    if not file.endswith(".cu"):
        continue
    text = open(os.path.join(kernels, file)).read()
    body, skipping = [], False
    for line in text.split("\n"):          # drop macro definitions: their `void name(` is a parameter
        if line.lstrip().startswith("#define"):
            skipping = True
        if not skipping:
            body.append(line)
        if skipping and not line.rstrip().endswith("\\"):
            skipping = False
    body = "\n".join(body)
    names = re.findall(r'extern "C" __global__ (?:__launch_bounds__\([^)]*\) )?void ([a-z][a-z0-9_]*)\(', body)
    names += re.findall(r'^FX_[A-Z0-9_]+\(([a-z][a-z0-9_]*),', body, re.M)
    entries = ",\n".join(f'    {{"{n}", [](void** p) {{ return fx_bind(&{n}, p); }}}}' for n in names)
    with open(os.path.join(out, file[:-3] + ".host.cpp"), "w") as f:
        f.write(f'#include "device-shim.h"\n#include "{os.path.join(kernels, file)}"\n'
                f"static const FxKernel fx_kernels[] = {{\n{entries}\n}};\n"
                "static const int fx_registered = (fx_register(fx_kernels, (int)(sizeof(fx_kernels) / sizeof(fx_kernels[0]))), 0);\n")
PY
shim="$root/scripts/gpu/host-check/fake-cuda"
g++ -std=c++20 -O2 -fPIC -shared -pthread -fno-fast-math -I "$shim" -o "$fake/libfakecuda.so" "$shim/runtime.cpp" "$fake"/src/*.host.cpp
for name in libcuda.so.1 libnvrtc.so.13 libcublasLt.so.13; do ln -sf libfakecuda.so "$fake/$name"; done
export FLUXSERVE_CUDA_LIB_DIRS="$fake" FLUXSERVE_CUDA_CACHE="$fake/cache" FLUXSERVE_REQUIRE_CUDA=1
dotnet test tests/FluxServe.Engine.Tests --artifacts-path /tmp/fluxserve-emulator-build \
  --filter "FullyQualifiedName~FluxServe.Engine.Tests.Cuda.${1:-}" --logger "console;verbosity=normal"
