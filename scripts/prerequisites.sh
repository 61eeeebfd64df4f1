#!/usr/bin/env bash
# Sourced by serve.sh and test.sh: makes sure the .NET 10 SDK and the native packages FluxServe uses are present on
# a Debian machine, installing what is missing (as root, or through sudo).
set -euo pipefail

# Debian packages the project needs at run or test time (native libraries it binds, tools its tests call).
FLUXSERVE_DEBIAN_PACKAGES=(ca-certificates libsqlite3-0 python3-requests libturbojpeg0 libwebp7 zlib1g)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "fluxserve: '$*' needs root; run as root or install sudo." >&2; return 1; fi
}

ensure_debian_packages() {
  local missing=()
  for p in "${FLUXSERVE_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "fluxserve: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
  fi
}

has_dotnet10() {
  command -v dotnet >/dev/null 2>&1 && dotnet --list-sdks 2>/dev/null | grep -q '^10\.'
}

ensure_dotnet() {
  if has_dotnet10; then return 0; fi
  for d in "$HOME/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [ -x "$d/dotnet" ]; then export PATH="$d:$PATH"; export DOTNET_ROOT="$d"; fi
    if has_dotnet10; then return 0; fi
  done
  echo "fluxserve: the .NET 10 SDK is missing; trying the Debian package dotnet-sdk-10.0" >&2
  if as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq dotnet-sdk-10.0; then
    has_dotnet10 && return 0
  fi
  echo "fluxserve: trying Microsoft's dotnet-install script" >&2
  if command -v curl >/dev/null 2>&1 && curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh; then
    bash /tmp/dotnet-install.sh --channel 10.0 --install-dir "$HOME/.dotnet"
    export PATH="$HOME/.dotnet:$PATH" DOTNET_ROOT="$HOME/.dotnet"
    has_dotnet10 && return 0
  fi
  echo "fluxserve: could not install the .NET 10 SDK; install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and retry." >&2
  return 1
}

# Packages only the tests use (test.sh sets FLUXSERVE_TEST_PACKAGES, e.g. chromium for the playground's browser tests).
# Best effort: without them those tests are skipped with the reason, not failed.
ensure_test_packages() {
  local missing=()
  for p in ${FLUXSERVE_TEST_PACKAGES:-}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "fluxserve: installing test tools ${missing[*]}" >&2
    { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } ||
      echo "fluxserve: could not install ${missing[*]}; the tests that need them will be skipped." >&2
  fi
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ensure_debian_packages
ensure_test_packages
ensure_dotnet
