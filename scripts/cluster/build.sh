#!/usr/bin/env bash
# Builds what the real cluster runs, from the Go module proxy, into the cache (see lib.sh):
#   bin/  kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl (ONE go build),
#         calico-felix calico-cni (= calico-ipam) calico-apiserver (one go build), coredns
#   images/  docker-archive tarballs of the stand-in images (images.sh)
# Each wrapper module under scripts/cluster/<name>/ pins its versions (go.mod + go.sum); a stamp
# (hash of the wrapper, flags and Go version) beside each output makes a warm run take seconds.
#
#   bash scripts/cluster/build.sh        (npm run cluster:build; cluster:up runs it first)
# Knobs: CLUSTER_REBUILD=1 ignores stamps; CLUSTER_CACHE=dir moves the cache.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$CLUSTER_DIR/../lib/packages.sh"

readonly REBUILD="${CLUSTER_REBUILD:-0}"
export CGO_ENABLED=0
go_environment "$CACHE" 1.26 # CoreDNS $COREDNS_VERSION needs Go >= 1.26
# shellcheck disable=SC2034 # BUILD_FLAGS and WRAPPERS are read by lib/go-build.sh
readonly BUILD_FLAGS="-trimpath -ldflags=-s -w"
mkdir -p "$BIN" "$BUILD" "$LOGS" "$IMAGES"

# shellcheck disable=SC2034
readonly WRAPPERS="$CLUSTER_DIR" # kubernetes/, calico/, coredns/ (stamp_key, prepare_wrapper)
is_current() { [[ "$REBUILD" != 1 && -f "$1" && "$(cat "$1")" == "$2" ]]; }

# compile NAME DESC LDFLAGS PKG...: one `go build` of PKG... into build/NAME/out/.
compile() {
  local name="$1" desc="$2" ld="$3" dir="$BUILD/$1"
  shift 3
  rm -rf "$dir/out" && mkdir -p "$dir/out"
  say "$name: compiling $desc (nice; 5-20 min on a cold cache; log: $LOGS/$name.log) ..."
  (cd "$dir" && with_progress "$LOGS/$name.log" "$name: go build" go build -trimpath -ldflags "-s -w $ld" -o out/ "$@") ||
    die "$name: step 'go build' failed (see $LOGS/$name.log)"
}

build_kubernetes() {
  local key t0 ld="" p minor
  key="$(stamp_key kubernetes "k8s.io/kubernetes $K8S_VERSION $K8S_BINARIES")"
  if is_current "$BIN/kubernetes.stamp" "$key"; then
    say "kubernetes: cached $K8S_BINARIES ($K8S_VERSION)"
    return
  fi
  t0=$(date +%s)
  : >"$LOGS/kubernetes.log"
  prepare_wrapper kubernetes
  minor="$(cut -d. -f2 <<<"$K8S_VERSION")"
  # Without version ldflags the servers report v0.0.0.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  # shellcheck disable=SC2046
  compile kubernetes "the six Kubernetes $K8S_VERSION binaries in one go build" "$ld" $(for b in $K8S_BINARIES; do echo "k8s.io/kubernetes/cmd/$b"; done)
  for b in $K8S_BINARIES; do mv -f "$BUILD/kubernetes/out/$b" "$BIN/$b"; done
  echo "$key" >"$BIN/kubernetes.stamp"
  say "kubernetes: built $K8S_BINARIES in $(elapsed "$t0")"
}

build_calico() {
  local key t0 out="$BUILD/calico/out"
  key="$(stamp_key calico "$CALICO_MODULE $CALICO_VERSION")"
  if is_current "$BIN/calico.stamp" "$key"; then
    say "calico: cached calico-felix calico-cni calico-apiserver ($CALICO_VERSION)"
    return
  fi
  t0=$(date +%s)
  : >"$LOGS/calico.log"
  # -e: plain tidy fails on github.com/Microsoft/hcsshim@v0.11.8 (windows files only; the proxy answers 403).
  prepare_wrapper calico -e
  compile calico "calico-felix, the CNI plugin and the API server" "" \
    "$CALICO_MODULE/felix/cmd/calico-felix" "$CALICO_MODULE/cni-plugin/cmd/calico" "$CALICO_MODULE/apiserver/cmd/apiserver"
  mv -f "$out/calico-felix" "$BIN/calico-felix"
  mv -f "$out/calico" "$BIN/calico-cni"
  mv -f "$out/apiserver" "$BIN/calico-apiserver"
  echo "$key" >"$BIN/calico.stamp"
  say "calico: built in $(elapsed "$t0")"
}

build_coredns() {
  local key t0
  key="$(stamp_key coredns "github.com/coredns/coredns $COREDNS_VERSION")"
  if is_current "$BIN/coredns.stamp" "$key"; then
    say "coredns: cached ($COREDNS_VERSION, slim)"
    return
  fi
  t0=$(date +%s)
  : >"$LOGS/coredns.log"
  prepare_wrapper coredns
  compile coredns "CoreDNS $COREDNS_VERSION (slim)" "" .
  mv -f "$BUILD/coredns/out/coredns" "$BIN/coredns"
  echo "$key" >"$BIN/coredns.stamp"
  say "coredns: built in $(elapsed "$t0")"
}

T0=$(date +%s)
ensure_packages cluster:build $CLUSTER_BUILD_PACKAGES
say "build: cache $CACHE ($GO_VERSION, GOTOOLCHAIN=local)"
build_kubernetes
build_calico
build_coredns
bash "$CLUSTER_DIR/images.sh"
say "build: done in $(elapsed "$T0")"
