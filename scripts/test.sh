#!/usr/bin/env bash
# Runs every test of the solution. Fixtures come from $FLUXSERVE_FIXTURES (default ../shared/fixtures).
set -euo pipefail
cd "$(dirname "$0")/.."
FLUXSERVE_TEST_PACKAGES="chromium"   # the playground's browser tests (Playwright drives the system Chromium)
source scripts/prerequisites.sh
export FLUXSERVE_FIXTURES="${FLUXSERVE_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
dotnet build FluxServe.slnx -c Release
dotnet test FluxServe.slnx -c Release --no-build --logger "console;verbosity=normal" "$@"
