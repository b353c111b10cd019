#!/usr/bin/env bash
# Installs Prometheus from Debian's package when it is missing (idempotent).
# The package's systemd service is not used: the local cluster runs the
# binary itself, on 127.0.0.1, with a generated configuration.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "prometheus is missing and apt-get is not available: install Prometheus 2.x and put it on PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "installing prometheus from the Debian archive (apt-get)..."
# policy-rc.d-style: never start the packaged service.
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# Where the package did start its service (a host with systemd), stop it: it is not ours to keep running.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
prometheus --version 2>&1 | head -1
