#!/usr/bin/env bash
# Here (no GPU needed): builds what a GPU session carries to the device machine, .device/fluxserve-gpu.tar.gz:
#   publish/         FluxServe.GpuBench published self-contained for linux-x64 (the device has no .NET), which holds
#                    the CUDA tests (FluxServe.Engine.Tests) and runs them in-process;
#   diffusers-src/   diffusers' Python package for scripts/gpu/diffusers_bench.py, when .peers/diffusers exists
#                    (scripts/gpu/prepare-peers.sh puts it there; it is never committed).
# Checks that the tarball plus the working tree stay under the device tool's 64 MiB and prints the run commands.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
stage=.device/stage
rm -rf "$stage" && mkdir -p "$stage"
dotnet publish bench/FluxServe.GpuBench/FluxServe.GpuBench.csproj -c Release -r linux-x64 --self-contained \
  -p:InvariantGlobalization=true -p:SatelliteResourceLanguages=en -o "$stage/publish" --artifacts-path /tmp/fluxserve-gpu-publish
if [ -d .peers/diffusers/src/diffusers ]; then
  mkdir -p "$stage/diffusers-src"
  cp -r .peers/diffusers/src/diffusers "$stage/diffusers-src/"
  find "$stage/diffusers-src" -name '__pycache__' -prune -exec rm -rf {} +
else
  echo "note: .peers/diffusers is missing: the tarball has no diffusers (run scripts/gpu/prepare-peers.sh first)"
fi
tar czf .device/fluxserve-gpu.tar.gz -C "$stage" .
tarball=$(stat -c %s .device/fluxserve-gpu.tar.gz)
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
total=$((tarball + tree))
limit=$((64 * 1024 * 1024))
awk -v a="$tarball" -v b="$tree" -v c="$total" \
  'BEGIN { printf "tarball %.1f MiB + working tree %.1f MiB = %.1f MiB of the 64 MiB the device tool carries\n", a/1048576, b/1048576, c/1048576 }'
if [ "$total" -ge "$limit" ]; then
  echo "TOO LARGE for one device call"; exit 1
fi
cat <<'RUN'
device calls (the run tool; carry [".device/fluxserve-gpu.tar.gz"]; each under 10 minutes):
  1. bash scripts/gpu/run.sh check      probe, NVRTC + nvcc kernel checks, CUDA tests, networks vs CPU
  2. bash scripts/gpu/run.sh bench      GpuBench bench (FLUX step, T5, CLIP, VAE, ceilings) + diffusers eager
  3. bash scripts/gpu/run.sh compile    diffusers with torch.compile (slow to compile; optional)
RUN
