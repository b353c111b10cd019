#!/usr/bin/env bash
# Installs what a real node needs from the Debian archive when it is missing (idempotent):
# containerd and runc (the container runtime the kubelet drives), the CNI plugins (bridge,
# host-local, loopback), iptables and conntrack (kube-proxy's data path), busybox-static
# (the test image's only binary), buildah (builds images without a daemon or registry) and
# gcc (the pause program). Packaged services are never started: the harness runs its own
# containerd per node, inside the node's namespaces.
set -euo pipefail
# command -> package; a command already on PATH (or a file already present) means installed.
declare -A need=(
  [containerd]=containerd
  [runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [iptables]=iptables
  [conntrack]=conntrack
  [/bin/busybox]=busybox-static
  [buildah]=buildah
  [gcc]=gcc
)
missing=()
for what in "${!need[@]}"; do
  if [[ "$what" == /* ]]; then [[ -e "$what" ]] && continue
  else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${need[$what]}")
done
# gcc -static needs the static C library.
[[ -e /usr/lib/x86_64-linux-gnu/libc.a || -e /usr/lib/aarch64-linux-gnu/libc.a ]] || missing+=(libc6-dev)
((${#missing[@]} == 0)) && exit 0
start=$(date +%s)
"$(dirname "$0")/../../scripts/apt-install.sh" --service containerd "${missing[@]}"
# Cold set-up cost, read by the tier's benchmark record (make bench-realcluster).
log="${XDG_CACHE_HOME:-$HOME/.cache}/modelship/realcluster/setup-times.log"
mkdir -p "$(dirname "$log")"
echo "$(date -u +%FT%TZ) apt-get ${#missing[@]}-packages $(($(date +%s) - start))s cores=$(nproc)" >>"$log"
