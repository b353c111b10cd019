#!/usr/bin/env bash
# Installs Prometheus from Debian's package when it is missing (idempotent).
# The package's systemd service is not used: the local cluster runs the
# binary itself, on 127.0.0.1, with a generated configuration.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
"$(dirname "$0")/../../../scripts/apt-install.sh" --service prometheus prometheus
prometheus --version 2>&1 | head -1
