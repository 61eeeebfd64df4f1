#!/usr/bin/env bash
# Exports the BFL reference code (black-forest-labs/flux @ the fixtures' commit) into .peers/flux for speed
# comparisons. The source comes from a mirror fetched with the session's fetch tool (it is never committed):
#   FLUX_MIRROR=/work/.mirror/black-forest-labs+flux/repo bash scripts/peers/fetch-bfl-flux.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mirror="${FLUX_MIRROR:-/work/.mirror/black-forest-labs+flux/repo}"
commit="${FLUX_COMMIT:-802fb4713906133fcbd0d8dc5351620ca4773036}"
rm -rf .peers/flux && mkdir -p .peers/flux
git --git-dir="$mirror" archive "$commit" -- src/flux 2>/dev/null | tar -x -C .peers/flux
echo ".peers/flux/src/flux from $commit"
