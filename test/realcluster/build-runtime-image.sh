#!/usr/bin/env bash
# Builds the runtime image the real-pods tier runs InferenceService pods from, without a
# registry: what images/runtime.Dockerfile puts in its final stage (the pinned Node, the
# compiled product sources in /app/dist, the production node_modules, package.json; UID 1000;
# `node dist/runtime/src/main.js serve`), assembled by buildah from scratch with the shared
# libraries Node and onnxruntime-node link against copied from this Debian machine. The Node
# binary is the one scripts/ensure-node.sh installed from the npm registry; the node_modules are
# the checkout's own (installed from package-lock.json), cut to the packages the lockfile does
# not mark dev-only, and onnxruntime-node's binaries for other platforms are left out.
# Cached as a docker-archive under ${XDG_CACHE_HOME:-~/.cache}/modelship/realcluster/images,
# named by a hash of everything it contains, so a change to the sources rebuilds it.
#
#   test/realcluster/build-runtime-image.sh     # prints the tarball's path
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${XDG_CACHE_HOME:-$HOME/.cache}/modelship/realcluster/images"
mkdir -p "$out"
export PATH="$("$repo/scripts/ensure-node.sh"):$PATH"
node_bin="$(command -v node)"

cd "$repo"
sources=(package.json package-lock.json tsconfig.json tsconfig.build.json)
mapfile -t src_files < <(find common/src operator/src runtime/src -type f -name '*.ts' ! -name '*.test.ts' | sort)
hash="$( (sha256sum "${BASH_SOURCE[0]}" "${sources[@]}" "${src_files[@]}"; "$node_bin" --version) | sha256sum | cut -c1-12)"
tar_file="$out/runtime-$hash.tar"
if [[ -s "$tar_file" ]]; then echo "$tar_file"; exit 0; fi

exec 9>"$out/.runtime.lock"
flock 9
if [[ -s "$tar_file" ]]; then echo "$tar_file"; exit 0; fi
start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/app" "$root/usr/local/bin" "$root/tmp" "$root/etc"

# The Dockerfile's build stage: tsc over the product sources (no tests) into /app/dist.
npx tsc -p tsconfig.build.json --outDir "$root/app/dist" >&2
cp package.json "$root/app/"

# The Dockerfile's deps stage (`npm ci --omit=dev`): every installed package the lockfile does
# not mark dev-only, copied from the checkout's node_modules (installed from the same lockfile).
node -e '
  const lock = require(process.argv[1]);
  for (const [path, p] of Object.entries(lock.packages))
    if (path.startsWith("node_modules/") && !p.dev && require("fs").existsSync(path)) console.log(path);
' "$repo/package-lock.json" >"$work/prod.txt"
# Each package without its nested node_modules: the nested ones the lockfile keeps are listed too.
while read -r path; do
  mkdir -p "$root/app/$path"
  tar -C "$path" --exclude=./node_modules -cf - . | tar -C "$root/app/$path" -xf -
done <"$work/prod.txt"
ort="$root/app/node_modules/onnxruntime-node/bin/napi-v6"
find "$ort" -mindepth 2 -maxdepth 2 -type d ! -path "$ort/linux/x64" -exec rm -rf {} +
find "$ort" -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} +

# Node and the shared libraries it and onnxruntime load (glibc, libstdc++, libgcc), with a
# loader cache so the dynamic linker finds them without the host's.
cp "$node_bin" "$root/usr/local/bin/node"
# (onnxruntime's own libonnxruntime.so.1 is already in place beside its binding.)
for lib in $(ldd "$node_bin" "$ort"/linux/x64/* | awk '/=> \//{print $3} /^[ \t]*\/lib64\//{print $1}' | grep -v "^$root/" | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
ldconfig -r "$root"
printf 'root:x:0:0::/:/nonexistent\nnode:x:1000:1000::/app:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"

b=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
c="$("${b[@]}" from scratch)"
"${b[@]}" copy --quiet "$c" "$root" /
"${b[@]}" config --user 1000:1000 --workingdir /app --env NODE_ENV=production --env PATH=/usr/local/bin:/usr/bin:/bin \
  --port 8080 --entrypoint '["node","dist/runtime/src/main.js"]' --cmd serve \
  --created-by "modelship test/realcluster/build-runtime-image.sh" "$c" >&2
"${b[@]}" commit --quiet --rm "$c" "docker-archive:$tar_file.tmp:localhost/modelship/runtime:$hash" >/dev/null
mv -f "$tar_file.tmp" "$tar_file"
# Older builds of this image are superseded: keep the cache to one.
find "$out" -maxdepth 1 -name 'runtime-*.tar' ! -name "runtime-$hash.tar" -delete
echo "$(date -u +%FT%TZ) runtime-image $hash $(($(date +%s) - start))s cores=$(nproc) size=$(du -m "$tar_file" | cut -f1)MiB" >>"$out/../setup-times.log"
echo "$tar_file"
