#!/usr/bin/env bash
# Builds the images the real-pods tier imports into each node's containerd (no registry is
# reachable): the pod sandbox (a static pause program compiled here) and a test image holding
# only Debian's static busybox (a shell, httpd, cat). Each is a docker-archive tarball made by
# buildah from scratch, cached under ${XDG_CACHE_HOME:-~/.cache}/modelship/realcluster/images
# and rebuilt only when missing (the name carries the source's version).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${XDG_CACHE_HOME:-$HOME/.cache}/modelship/realcluster/images"
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

pause_tar="$out/pause-$(sha256sum "$here/pause.c" | cut -c1-12).tar"
busybox_version="$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || busybox | head -1 | awk '{print $2}')"
# The script's own hash too: a change to the image's contents (applets, files) rebuilds it.
busybox_tar="$out/busybox-${busybox_version//[^A-Za-z0-9.]/_}-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-8).tar"
if [[ -s "$pause_tar" && -s "$busybox_tar" ]]; then exit 0; fi

start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Private buildah storage: nothing is left in the host's image store.
b=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)

# image REF TAR ROOTFS USER ENTRYPOINT_JSON
image() {
  local c
  c="$("${b[@]}" from scratch)"
  "${b[@]}" copy --quiet "$c" "$3" /
  "${b[@]}" config --user "$4" --entrypoint "$5" --created-by "modelship test/realcluster/build-images.sh" "$c"
  "${b[@]}" commit --quiet --rm "$c" "docker-archive:$2.tmp:$1" >/dev/null
  mv -f "$2.tmp" "$2"
  echo "built $1 -> $2"
}

if [[ ! -s "$pause_tar" ]]; then
  mkdir -p "$work/pause"
  gcc -Os -static -o "$work/pause/pause" "$here/pause.c"
  strip "$work/pause/pause"
  image localhost/modelship/pause:1 "$pause_tar" "$work/pause" 65535:65535 '["/pause"]'
fi
if [[ ! -s "$busybox_tar" ]]; then
  r="$work/busybox"
  mkdir -p "$r/bin" "$r/www" "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for applet in sh cat echo sleep httpd wget ls id touch head grep tr nslookup; do ln -s busybox "$r/bin/$applet"; done
  echo 'hello from a real pod' >"$r/www/index.html"
  image localhost/modelship/busybox:test "$busybox_tar" "$r" 1000:1000 '["/bin/sh"]'
fi
echo "$(date -u +%FT%TZ) images pause+busybox $(($(date +%s) - start))s cores=$(nproc)" >>"$out/../setup-times.log"
