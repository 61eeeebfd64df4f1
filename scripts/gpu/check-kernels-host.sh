#!/usr/bin/env bash
# No GPU needed (g++ and the .NET SDK): runs the CUDA kernels' own source on the host.
#  1. conversions: common.cuh's float conversions built as host C++, compared with the CPU backend's Numerics bit for
#     bit over every 16- and 8-bit pattern and ~1M float32 values (host-check/conversions.*);
#  2. attention: the flash-attention kernel (attention.cu) with one thread per CUDA thread and its warp instructions
#     (mma.sync, ldmatrix.trans, shfl, cp.async) emulated from the PTX ISA, against a double reference
#     (host-check/attention.cpp): indexing, tiling, masking, bias and online softmax.
set -euo pipefail
cd "$(dirname "$0")/host-check"
work="${TMPDIR:-/tmp}/fluxserve-host-check"
mkdir -p "$work"
g++ -std=c++17 -O2 -fno-fast-math -ffp-contract=off -o "$work/conversions" conversions.cpp
"$work/conversions" "$work/conversions.bin"
dotnet run conversions.cs -- "$work/conversions.bin"
g++ -std=c++20 -O2 -pthread -o "$work/attention" attention.cpp
"$work/attention"
