#!/usr/bin/env bash
# Status-poll throughput and latency on loopback with wrk (Debian package "wrk").
#
# Runs a Release server with the tests' pattern generator (the real pipeline is not installed yet), completes one
# job, then lets wrk poll GET /v2/requests/{id}/status with a valid key: API-key check, per-key rate limiter, a
# SQLite read of the job, the JSON answer and the x-remaining-credits balance read, per request.
#
#   bash tests/FluxServe.Server.Tests/Benchmarks/wrk-status.sh [seconds=15] [connections=32] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/prerequisites.sh
command -v wrk >/dev/null || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk; }
seconds="${1:-15}" connections="${2:-32}" threads="${3:-2}"
artifacts="${FLUXSERVE_BENCH_ARTIFACTS:-/tmp/fluxserve-bench-artifacts}"
dotnet build tests/FluxServe.Server.Tests -c Release --artifacts-path "$artifacts" -v q -nologo >/dev/null
data="$(mktemp -d)" port="${FLUXSERVE_BENCH_PORT:-18123}" base="http://127.0.0.1:${FLUXSERVE_BENCH_PORT:-18123}"
key="$(dotnet "$artifacts/bin/FluxServe.Cli/release/fluxserve.dll" keys create --credits 100 --data "$data" | sed -n 's/^api key: *//p')"
dotnet "$artifacts/bin/FluxServe.Server.Tests/release/FluxServe.Server.Tests.dll" serve-test-host --urls "$base" \
  --Storage:DataFolder "$data" --RateLimits:ReadsPerWindow 1000000000 --Logging:LogLevel:Default Warning >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
id="$(curl -sf -X POST "$base/v2/flux-schnell" -H "x-api-key: $key" -H 'Content-Type: application/json' \
  -d '{"prompt":"bench","width":128,"height":128}' | sed -n 's/.*"request_id":"\([^"]*\)".*/\1/p')"
until curl -sf "$base/v2/requests/$id/status" -H "x-api-key: $key" | grep -q COMPLETED; do sleep 0.1; done
echo "GET /v2/requests/$id/status, ${seconds}s, ${connections} connections, ${threads} threads, $(nproc) cores"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -H "x-api-key: $key" "$base/v2/requests/$id/status"
