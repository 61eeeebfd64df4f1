#!/usr/bin/env bash
# Builds and starts the FluxServe server. Listens on $FLUXSERVE_URLS (default http://127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
exec dotnet run -c Release --project src/FluxServe.Cli -- serve --urls "${FLUXSERVE_URLS:-http://127.0.0.1:8080}" "$@"
