#!/usr/bin/env bash
# Installs Debian packages for a test tier that found them missing, the one way every tier does:
# non-interactive, without recommends, and without keeping a packaged service running (the
# tiers run their own copies of Prometheus, containerd and the like, on loopback or in their
# network namespaces).
# Usage: apt-install.sh [--service NAME]... PACKAGE...
#   --service NAME  a systemd unit the packages may start; it is stopped and disabled after.
set -euo pipefail
services=()
while [[ "${1:-}" == --service ]]; do services+=("$2"); shift 2; done
(($# > 0)) || { echo "apt-install.sh: no package named" >&2; exit 2; }
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing packages ($*) and apt-get is not available: install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "installing $* from the Debian archive (apt-get)..."
# RUNLEVEL=1: the packages' maintainer scripts do not start their services where they honour it.
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
# Where a package did start its service (a host with systemd), stop it: it is not ours to keep.
if command -v systemctl >/dev/null 2>&1; then
  for unit in "${services[@]}"; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then $sudo systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
  done
fi
