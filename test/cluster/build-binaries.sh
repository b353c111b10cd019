#!/usr/bin/env bash
# Builds the control-plane binaries (and later tools) from their upstream Go modules at the
# versions pinned in test/cluster/tools/versions.txt, into a per-version cache outside the
# checkout, so every clone on a machine (CI included) shares them. Prebuilt binaries cannot
# be downloaded here; the Go module proxy can be reached.
#
#   test/cluster/build-binaries.sh            # the `core` set: what `make test` needs
#   test/cluster/build-binaries.sh tools      # a set by name (`core`, `tools`, `node`, `all`)
#   test/cluster/build-binaries.sh helm etcd  # single binaries
#
# Only missing binaries are built. Cache: $MODELSHIP_BIN_DIR, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/modelship/bin/<name>-<version>/<name>; cold build times
# are appended to build-times.log there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
bin_dir="${MODELSHIP_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelship/bin}"

# Checked only when something must be built: cached binaries need no Go.
require_go() {
  command -v go >/dev/null 2>&1 && return 0
  cat >&2 <<'EOF'
build-binaries: Go is not installed (no `go` on PATH).
The Kubernetes control plane for the tests is built from upstream Go sources, which
needs Go >= 1.25 (https://go.dev/dl/). Install it, put it on PATH, and run
`make cluster-binaries` again.
EOF
  exit 1
}

# name version dir package set, one binary a line.
entries="$(grep -v '^\s*#' "$tools/versions.txt" | grep -v '^\s*$')"

# The whole run is one function, so bash has read all of it before running any of it:
# a `git pull` that changes this file during a long build cannot corrupt the run.
main() {
  wanted=()
  for arg in "${@:-core}"; do
    case "$arg" in
      all) wanted+=($(awk '{print $1}' <<<"$entries")) ;;
      core | tools | node) wanted+=($(awk -v s="$arg" '$5 == s {print $1}' <<<"$entries")) ;;
      *)
        if ! awk -v n="$arg" '$1 == n {f=1} END {exit !f}' <<<"$entries"; then
          echo "build-binaries: unknown binary or set '$arg' (see $tools/versions.txt)" >&2
          exit 2
        fi
        wanted+=("$arg") ;;
    esac
  done

  # Kubernetes reports its version from these variables (hack/lib/version.sh sets them the
  # same way); without them kubectl and the API server say v0.0.0-master and clients that
  # check the server version (helm's kubeVersion, kubectl's skew warning) misbehave.
  k8s_ldflags() {
    local v="$1" major minor
    major="${v#v}"; major="${major%%.*}"
    minor="${v#v*.}"; minor="${minor%%.*}"
    local flags=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
      flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    echo "$flags"
  }

  mkdir -p "$bin_dir"
  total=${#wanted[@]}
  i=0
  for name in "${wanted[@]}"; do
    i=$((i + 1))
    read -r _ version dir pkg _ < <(awk -v n="$name" '$1 == n' <<<"$entries")
    out_dir="$bin_dir/$name-$version"
    out="$out_dir/$name"
    if [[ -x "$out" ]]; then
      echo "[$i/$total] $name $version: cached ($out)"
      continue
    fi
    require_go
    mkdir -p "$out_dir"
    # One build per binary at a time across clones and concurrent `make` runs.
    exec 9>"$out_dir/.lock"
    flock 9
    if [[ -x "$out" ]]; then
      echo "[$i/$total] $name $version: cached ($out, built meanwhile)"
      exec 9>&-
      continue
    fi
    ldflags="-s -w"
    # Each project's own version variables, as its release builds set them.
    case "$dir" in
      k8s) ldflags+="$(k8s_ldflags "$version")" ;;
      helm) ldflags+=" -X helm.sh/helm/v4/internal/version.version=$version" ;;
      kubeconform) ldflags+=" -X main.version=$version" ;;
    esac
    echo "[$i/$total] $name $version: building $pkg (cold builds take minutes) ..."
    start=$(date +%s)
    tmp="$out_dir/.$name.tmp.$$"
    (
      cd "$tools/$dir"
      # go.sum is committed: -mod=readonly fails loudly instead of re-resolving versions.
      GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
        nice -n "${BUILD_NICE:-10}" go build -trimpath -ldflags="$ldflags" -o "$tmp" "$pkg"
    ) || { rm -f "$tmp"; echo "build-binaries: building $name failed" >&2; exit 1; }
    mv -f "$tmp" "$out"
    secs=$(( $(date +%s) - start ))
    echo "$(date -u +%FT%TZ) $name $version ${secs}s cores=$(nproc)" >>"$bin_dir/build-times.log"
    echo "[$i/$total] $name $version: built in ${secs}s -> $out"
    exec 9>&-
  done
}

main "$@"
