#!/usr/bin/env bash
# Provides the Pulumi toolchain the e2e tier needs, without downloading prebuilt binaries:
#   pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs (the dynamic-provider host, a
#   launcher; all next to pulumi), and the resource plugins our npm packages ask for,
# built from the Go module proxy through small wrapper modules (scripts/toolchain/<binary>/) and
# installed offline into a PULUMI_HOME under the cache.
#
#   npm run toolchain            # build what is missing, install plugins
#   . scripts/env.sh             # then, in each shell, from the repository's root: Node 22, this
#                                # toolchain ($cache/env.sh: PATH, PULUMI_HOME, offline settings)
#                                # and the state backend the npm scripts use
#
# Cache (outside git): ${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain
#   bin/  pulumi + pulumi-language-nodejs (goes on PATH)     build/  wrapper modules, generated embeds
#   providers/  provider binaries, off PATH (an ambient provider on PATH would bypass the plugin cache)
#   gomodcache/ gocache/  Go caches       pulumi-home/  PULUMI_HOME with the plugins   logs/  build logs
# A second run finds every stamp current and takes seconds.
#
# Versions. Wanted: CLI + language host 3.270.0 (@pulumi/pulumi), kubernetes 4.34.2, command 1.2.1
# (@pulumi/command: only cluster=kind runs commands; render mode and the e2e tier do not need it). The module proxy reachable from this workplace does not serve every version (it answers
# "403 This module version is not available"), so each binary below names the nearest version it does
# serve; the plugin is installed under the version the npm package requests. See "PINS".
#
# Environment knobs:
#   TOOLCHAIN_CACHE=dir        cache folder (default above)
#   TOOLCHAIN_STRICT=1         a binary marked optional that cannot be built fails the run
#   TOOLCHAIN_REBUILD=1        ignore stamps, rebuild everything
#   TOOLCHAIN_VERBOSE=1        stream build output instead of logging it to a file
#   TOOLCHAIN_APISERVER=1      also build kube-apiserver (stretch: a real API server for server-side
#                              validation; pair it with Debian's etcd-server, see test/e2e/README.md)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly WRAPPERS="$SCRIPT_DIR/toolchain"
readonly CACHE="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain}"
readonly BIN="$CACHE/bin" PROV="$CACHE/providers" BUILD="$CACHE/build" LOGS="$CACHE/logs"
readonly PHOME="$CACHE/pulumi-home"
# shellcheck disable=SC2034 # VERBOSE is read by lib/go-build.sh
readonly STRICT="${TOOLCHAIN_STRICT:-0}" REBUILD="${TOOLCHAIN_REBUILD:-0}" VERBOSE="${TOOLCHAIN_VERBOSE:-0}"

# ---------------------------------------------------------------------------------------------- PINS
# CLI: pkg/v3 is served up to v3.259.0 (v3.260.0+ zips answer 403). The SDK we use is 3.270.0; the
# engine/SDK protocol is versioned by feature flags, so a 3.259 engine runs a 3.270 program.
readonly CLI_VERSION="3.259.0"
readonly CLI_PKG="github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
readonly SDK_VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
# Language host: its own module (untagged) since 3.69 is not served at any version we could find;
# sdk/v3 up to v3.68.0 contains it as a package (package main: its files are copied into the build
# folder beside our runplugin.go, which adds policy-pack support). Placed next to `pulumi`.
readonly LANG_VERSION="3.68.0"
readonly LANG_PKG="github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
# Kubernetes provider: the only served pseudo-version of provider/v4 is the commit from the day before
# v4.25.0 (2026-01-15). @pulumi/kubernetes 4.34.2 asks for plugin 4.34.2, so it is installed as that.
readonly K8S_MODULE="github.com/pulumi/pulumi-kubernetes/provider/v4"
readonly K8S_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
readonly K8S_BUILD_VERSION="4.25.0-dev.20260115+f47bc2d6f199"
readonly K8S_PLUGIN_VERSION="4.34.2"
# command: a provider module with no tags; the pseudo-version of its release commit is not served
# here. Optional: tried, reported precisely, skipped (TOOLCHAIN_STRICT=1 makes that fatal). No random
# provider: the project does not depend on @pulumi/random (README, Design notes).
readonly COMMAND_MODULE="github.com/pulumi/pulumi-command/provider"
readonly COMMAND_CANDIDATES="v0.0.0-20260303235922-7f3eb6f3b77c" # v1.2.1 release commit
readonly COMMAND_PLUGIN_VERSION="1.2.1"
# kube-apiserver (opt-in): 1.30 is the last minor whose etcd minimum (3.4.22+) Debian's 3.4.23 meets.
readonly APISERVER_VERSION="1.30.14"

# Flags of every build (part of each binary's stamp): upstream's release tags, no paths or symbols.
# shellcheck disable=SC2034 # read by lib/go-build.sh
readonly BUILD_FLAGS="-trimpath -tags osusergo,grpcnotrace -ldflags=-s -w"

# ------------------------------------------------------------------------------------------ helpers
# shellcheck disable=SC2034 # lib/go-build.sh prefixes its messages with it
readonly LOG_TAG=toolchain
# shellcheck source=lib/go-build.sh
source "$SCRIPT_DIR/lib/go-build.sh"
go_environment "$CACHE" 1.25
mkdir -p "$BIN" "$PROV" "$BUILD" "$LOGS" "$PHOME"

# run LOGFILE CMD...: one build step (lib/go-build.sh with_progress), named by the log and command.
run() {
  local log="$1"
  shift
  with_progress "$log" "$(basename "$log" .log): $1 $2" "$@"
}

is_current() { # NAME KEY [DIR]
  local d="${3:-$BIN}"
  [[ "$REBUILD" != 1 && -x "$d/$1" && -f "$d/$1.stamp" && "$(cat "$d/$1.stamp")" == "$2" ]]
}

# go_build NAME PKG LDFLAGS [OUTDIR]: builds one binary into bin/ (or OUTDIR) atomically.
go_build() {
  local name="$1" pkg="$2" ldflags="$3" out="${4:-$BIN}" dir="$BUILD/$1" log="$LOGS/$1.log"
  say "$name: compiling $pkg (nice; several minutes on a cold cache; log: $log) ..."
  (cd "$dir" && run "$log" go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $ldflags" -o "$out/$name.tmp" "$pkg") ||
    die "$name: step 'go build' failed (see $log)"
  mv -f "$out/$name.tmp" "$out/$name"
}

# --------------------------------------------------------------------------------- pulumi (CLI)
PULUMI_DIR=""
build_cli() {
  local name=pulumi key t0
  # A pulumi already on PATH (not ours) with the pinned version, and a language host beside it, is used.
  local onpath
  onpath="$(command -v pulumi 2>/dev/null || true)"
  if [[ -n "$onpath" && "$onpath" != "$BIN/pulumi" ]]; then
    local v
    v="$(PULUMI_SKIP_UPDATE_CHECK=true "$onpath" version 2>/dev/null || true)"
    if [[ "$v" == "v$CLI_VERSION" && -x "$(dirname "$onpath")/pulumi-language-nodejs" ]]; then
      PULUMI_DIR="$(dirname "$onpath")"
      say "pulumi: using $onpath ($v) and the language host beside it"
      return
    fi
    say "pulumi: $onpath is ${v:-of unknown version}, not v$CLI_VERSION with a language host beside it; building our own"
  fi
  PULUMI_DIR="$BIN"
  key="$(stamp_key "$name" "$CLI_PKG $CLI_VERSION")"
  if is_current "$name" "$key"; then
    say "pulumi: cached $BIN/pulumi ($("$BIN/pulumi" version))"
    return
  fi
  t0=$(date +%s)
  : >"$LOGS/$name.log"
  prepare_wrapper "$name"
  go_build "$name" "$CLI_PKG" "-X $SDK_VERSION_PKG=v$CLI_VERSION"
  echo "$key" >"$BIN/$name.stamp"
  say "pulumi: built $("$BIN/pulumi" version) in $(elapsed "$t0")"
}

build_language_host() {
  local name=pulumi-language-nodejs key t0 dir="$BUILD/pulumi-language-nodejs" log sdkdir f
  [[ "$PULUMI_DIR" == "$BIN" ]] || return 0
  log="$LOGS/$name.log"
  key="$(stamp_key "$name" "$LANG_PKG $LANG_VERSION")"
  if is_current "$name" "$key"; then
    say "$name: cached $BIN/$name (sdk v$LANG_VERSION + analyzer RunPlugin)"
    return
  fi
  t0=$(date +%s)
  : >"$log"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -R "$WRAPPERS/$name/." "$dir/"
  say "$name: resolving modules (downloads on the first run) ..."
  (cd "$dir" && run "$log" go mod download github.com/pulumi/pulumi/sdk/v3) ||
    die "$name: step 'go mod download sdk/v3@v$LANG_VERSION' failed (see $log)"
  sdkdir="$(cd "$dir" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)" ||
    die "$name: step 'locate module sdk/v3' failed"
  # Upstream's package main (not importable) is copied beside runplugin.go; its RunPlugin stub goes.
  for f in "$sdkdir/nodejs/cmd/pulumi-language-nodejs/"*.go; do
    [[ "$f" == *_test.go ]] || install -m 0644 "$f" "$dir/"
  done
  grep -q '^func (host \*nodeLanguageHost) RunPlugin($' "$dir/main.go" ||
    die "$name: step 'replace RunPlugin' failed: upstream main.go has no RunPlugin stub to replace"
  awk '/^func \(host \*nodeLanguageHost\) RunPlugin\($/ {skip=1} !skip {print} skip && /^}$/ {skip=0}' \
    "$dir/main.go" >"$dir/main.go.new" && mv "$dir/main.go.new" "$dir/main.go"
  (cd "$dir" && run "$log" go mod tidy) || die "$name: step 'go mod tidy' failed (see $log)"
  go_build "$name" . "-X $SDK_VERSION_PKG=v$LANG_VERSION"
  echo "$key" >"$BIN/$name.stamp"
  say "$name: built (sdk v$LANG_VERSION + analyzer RunPlugin) in $(elapsed "$t0")"
}

# ------------------------------------------------------------------------------ kubernetes provider
build_kubernetes() {
  local name=pulumi-resource-kubernetes key t0 dir="$BUILD/pulumi-resource-kubernetes" log moddir
  log="$LOGS/$name.log"
  key="$(stamp_key "$name" "$K8S_MODULE $K8S_MODULE_VERSION $K8S_BUILD_VERSION")"
  if is_current "$name" "$key" "$PROV"; then
    say "$name: cached $PROV/$name ($K8S_BUILD_VERSION)"
    return
  fi
  t0=$(date +%s)
  : >"$log"
  mkdir -p "$dir"
  # main.go embeds these; placeholders let `go mod tidy` load the package before they are generated.
  [[ -f "$dir/schema-embed.json" ]] || echo '{}' >"$dir/schema-embed.json"
  [[ -f "$dir/terraform-mapping-embed.json" ]] || echo '{}' >"$dir/terraform-mapping-embed.json"
  prepare_wrapper "$name"
  moddir="$(cd "$dir" && go list -m -f '{{.Dir}}' "$K8S_MODULE")" ||
    die "$name: step 'locate module $K8S_MODULE' failed"
  say "$name: preparing schema-embed.json from $K8S_MODULE@$K8S_MODULE_VERSION/cmd/pulumi-resource-kubernetes/schema.json"
  (cd "$dir" && run "$log" go run ./prepare-schema "$moddir/cmd/pulumi-resource-kubernetes" "$K8S_BUILD_VERSION" .) ||
    die "$name: step 'prepare schema' failed (see $log)"
  go_build "$name" . "-X $K8S_MODULE/pkg/version.Version=$K8S_BUILD_VERSION" "$PROV"
  echo "$key" >"$PROV/$name.stamp"
  say "$name: built ($K8S_BUILD_VERSION) in $(elapsed "$t0")"
}

# --------------------------------------------------------------------- kube-apiserver (opt-in)
build_apiserver() {
  local name=kube-apiserver key t0 v="v$APISERVER_VERSION" minor
  [[ "${TOOLCHAIN_APISERVER:-0}" == 1 ]] || return 0
  key="$(stamp_key "$name" "k8s.io/kubernetes $v")"
  if is_current "$name" "$key"; then
    say "$name: cached $BIN/$name ($v)"
    return
  fi
  t0=$(date +%s)
  : >"$LOGS/$name.log"
  prepare_wrapper "$name"
  minor="$(cut -d. -f2 <<<"$APISERVER_VERSION")"
  # Without version ldflags the server reports v0.0.0 and the Kubernetes provider refuses it.
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  go_build "$name" k8s.io/kubernetes/cmd/kube-apiserver "$ld"
  echo "$key" >"$BIN/$name.stamp"
  say "$name: built ($v) in $(elapsed "$t0")"
}

# ------------------------------------------------------------------------- command (probe only)
MISSING=()
probe_optional() { # NAME MODULE CANDIDATES
  local name="$1" module="$2" candidates="$3" c out
  if [[ -x "$PROV/$name" ]]; then
    say "$name: cached $PROV/$name"
    return 0
  fi
  for c in $candidates; do
    say "$name: looking for $module@$c on the module proxy ..."
    if out="$(cd "$BUILD" && go mod download -json "$module@$c" 2>&1)" && ! grep -q '"Error"' <<<"$out"; then
      say "$name: $module@$c is served, but no wrapper for it is in scripts/toolchain/ yet"
    else
      say "$name: step 'go mod download $module@$c' failed: $(grep -o '"Error": *"[^"]*"' <<<"$out" | head -1 | sed 's/\\n\\t/ /g')"
    fi
  done
  MISSING+=("$name")
  if [[ "$STRICT" == 1 ]]; then
    die "$name: cannot be built here (TOOLCHAIN_STRICT=1)"
  fi
  say "$name: NOT AVAILABLE - skipped; programs that create its resources cannot run with this toolchain"
}

# ------------------------------------------------------------------------------------ plugins
install_plugin() { # NAME VERSION BINARY
  local name="$1" version="$2" binary="$3" dest
  dest="$PHOME/plugins/resource-$name-v$version/pulumi-resource-$name"
  if [[ -x "$dest" && ! -e "$PHOME/plugins/resource-$name-v$version.partial" ]] && cmp -s "$dest" "$binary"; then
    say "plugin resource $name v$version: installed"
    return
  fi
  say "plugin resource $name v$version: installing from $binary"
  PULUMI_HOME="$PHOME" PULUMI_SKIP_UPDATE_CHECK=true \
    "$PULUMI_DIR/pulumi" plugin install resource "$name" "v$version" --file "$binary" --reinstall \
    >>"$LOGS/plugins.log" 2>&1 ||
    die "plugin resource $name v$version: step 'pulumi plugin install --file' failed (see $LOGS/plugins.log)"
}

# ------------------------------------------------------------------------------------------- main
T0=$(date +%s)
say "cache: $CACHE ($GO_VERSION, GOTOOLCHAIN=local)"
build_cli
build_language_host
build_kubernetes
build_apiserver
probe_optional pulumi-resource-command "$COMMAND_MODULE" "$COMMAND_CANDIDATES"

install_plugin kubernetes "$K8S_PLUGIN_VERSION" "$PROV/pulumi-resource-kubernetes"
if [[ -x "$PROV/pulumi-resource-command" ]]; then install_plugin command "$COMMAND_PLUGIN_VERSION" "$PROV/pulumi-resource-command"; fi
# Older runs of this script put providers in bin/ (on PATH): take them out.
rm -f "$BIN"/pulumi-resource-*
# Dynamic providers (cluster=existing/iks) run in the "pulumi-nodejs" resource plugin, which the
# engine looks for next to the pulumi binary: a launcher of the program's own @pulumi/pulumi.
install_dynamic_provider_host() {
  local launcher="$WRAPPERS/pulumi-resource-pulumi-nodejs/pulumi-resource-pulumi-nodejs"
  if [[ -x "$PULUMI_DIR/pulumi-resource-pulumi-nodejs" && "$PULUMI_DIR" != "$BIN" ]]; then
    say "dynamic provider host: $PULUMI_DIR/pulumi-resource-pulumi-nodejs (beside that pulumi)"
  elif [[ "$PULUMI_DIR" == "$BIN" ]]; then
    install -m 0755 "$launcher" "$BIN/pulumi-resource-pulumi-nodejs"
    say "dynamic provider host: installed $BIN/pulumi-resource-pulumi-nodejs"
  else
    say "dynamic provider host: MISSING beside $PULUMI_DIR/pulumi; copy $launcher there for cluster=existing/iks"
  fi
}
install_dynamic_provider_host

cat >"$CACHE/env.sh" <<EOF
# Written by scripts/toolchain.sh. The repository's scripts/env.sh sources it and adds Node 22 and
# the state backend (file://<repo>/.pulumi); source that one: this file alone leaves pulumi on the
# Pulumi Cloud backend, which asks for PULUMI_ACCESS_TOKEN.
export PATH="$PULUMI_DIR:\$PATH"
export PULUMI_HOME="$PHOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
EOF

say "plugins in $PHOME:"
PULUMI_HOME="$PHOME" PULUMI_SKIP_UPDATE_CHECK=true "$PULUMI_DIR/pulumi" plugin ls 2>&1 | sed 's/^/[toolchain]   /'
say "done in $(elapsed "$T0")${MISSING[*]:+; not available: ${MISSING[*]}}"
# One way to get the environment, the same for the pulumi CLI and the npm scripts: no export lines
# to copy (copied without the state backend, pulumi asked for a Pulumi Cloud login).
say "to use it, in each new shell, from the repository's root: . scripts/env.sh"
say "  (Node 22, this pulumi and its plugins via $CACHE/env.sh, state in file://<repo>/.pulumi; no Pulumi Cloud account)"
