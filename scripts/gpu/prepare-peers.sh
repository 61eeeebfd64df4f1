#!/usr/bin/env bash
# Here: copies diffusers' Python package (source only, for scripts/gpu/diffusers_bench.py on the GPU machine) into
# the git-ignored .peers/diffusers/src. The source comes from a local mirror made by the session's `fetch` tool
# (github:huggingface/diffusers); pass its git directory if it is not the default. Never commit .peers/.
set -euo pipefail
cd "$(dirname "$0")/../.."
mirror="${1:-/work/.mirror/huggingface+diffusers/repo}"
if ! git --git-dir="$mirror" rev-parse HEAD >/dev/null 2>&1; then
  echo "no diffusers mirror at $mirror: fetch github:huggingface/diffusers with the session's fetch tool first" >&2
  exit 1
fi
rm -rf .peers/diffusers && mkdir -p .peers/diffusers
git --git-dir="$mirror" archive HEAD src/diffusers | tar x -C .peers/diffusers
git --git-dir="$mirror" rev-parse HEAD > .peers/diffusers/COMMIT
echo "diffusers $(cat .peers/diffusers/COMMIT) in .peers/diffusers/src ($(du -sh .peers/diffusers | cut -f1))"
