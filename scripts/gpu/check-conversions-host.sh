#!/usr/bin/env bash
# No GPU needed: builds the CUDA kernels' float conversions (common.cuh) as host C++ and compares every widening and
# ~1M narrowings with the CPU backend's Numerics, bit for bit. Needs g++ and the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/host-check"
work="${TMPDIR:-/tmp}/fluxserve-conversions"
mkdir -p "$work"
g++ -std=c++17 -O2 -fno-fast-math -ffp-contract=off -o "$work/conversions" conversions.cpp
"$work/conversions" "$work/conversions.bin"
dotnet run conversions.cs -- "$work/conversions.bin"
