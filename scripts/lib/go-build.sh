# shellcheck shell=bash
# Shared by scripts/toolchain.sh and scripts/cluster/*.sh, which build Go programs from the module
# proxy into a cache outside the checkout: messages, the Go environment, a niced build step with
# progress, and the stamp key that makes a warm run take seconds. Sourced, never run; the sourcing
# script sets LOG_TAG (the message prefix) first.

say() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date -u +%H:%M:%S)" "$*"; }
warn() { printf '[%s %s] WARNING: %s\n' "$LOG_TAG" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[%s %s] ERROR: %s\n' "$LOG_TAG" "$(date -u +%H:%M:%S)" "$*" >&2
  exit 1
}
elapsed() { echo "$(($(date +%s) - $1))s"; }

# go_environment CACHE MIN_GO: the Go settings of every build here, with its module and build caches
# under CACHE; sets GO_VERSION. The checksum database reachable here lacks entries for many modules
# (404 on lookup), so it is not consulted: each wrapper's committed go.sum pins the hash of every
# module it uses, and Go verifies downloads against it.
go_environment() {
  export GOMODCACHE="$1/gomodcache" GOCACHE="$1/gocache" GOTOOLCHAIN=local GOFLAGS=-mod=mod GOWORK=off GOSUMDB=off
  unset GOBIN
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
  command -v go >/dev/null || die "step 'check go': no 'go' on PATH (Go >= $2 is needed)"
  GO_VERSION="$(go env GOVERSION)"
}

# with_progress LOG DESC CMD...: runs CMD niced with its output appended to LOG (streamed too when
# VERBOSE=1), printing a line with the elapsed time and load every 30 s; on failure prints LOG's tail
# and returns 1.
with_progress() {
  local log="$1" desc="$2" t0 pid rc=0
  shift 2
  if [[ "${VERBOSE:-0}" == 1 ]]; then
    nice -n 10 "$@" 2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
  fi
  t0=$(date +%s)
  nice -n 10 "$@" >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do
      sleep 1
      kill -0 "$pid" 2>/dev/null || break
    done
    if kill -0 "$pid" 2>/dev/null; then say "  ... $desc: $(elapsed "$t0") so far (load $(cut -d' ' -f1 /proc/loadavg); log: $log)"; fi
  done
  wait "$pid" || rc=$?
  if [[ "$rc" != 0 ]]; then
    echo "----- last lines of $log -----" >&2
    tail -n 25 "$log" >&2
    return 1
  fi
}

# The wrapper modules live in $WRAPPERS/<name>/, are built in $BUILD/<name>/ and log to
# $LOGS/<name>.log; the sourcing script sets those three.

# stamp_key NAME EXTRA...: the key of what a build of wrapper NAME depends on: its files (but
# generated *.json), the Go version, the flags ($BUILD_FLAGS) and EXTRA (pins).
stamp_key() {
  local name="$1"
  shift
  {
    echo "$GO_VERSION $BUILD_FLAGS $*"
    (cd "$WRAPPERS/$name" && find . -type f ! -name '*.json' | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

# prepare_wrapper NAME [TIDY_FLAGS]: copies wrapper NAME into its build folder (go.sum and generated
# files stay there) and resolves its module graph with `go mod tidy TIDY_FLAGS`.
prepare_wrapper() {
  local name="$1" dir="$BUILD/$1" log="$LOGS/$1.log"
  mkdir -p "$dir"
  cp -R "$WRAPPERS/$name/." "$dir/"
  say "$name: resolving modules (go mod tidy${2:+ $2}; downloads on the first run) ..."
  # shellcheck disable=SC2086
  (cd "$dir" && with_progress "$log" "$name: go mod tidy" go mod tidy ${2:-}) ||
    die "$name: step 'go mod tidy' failed in $dir (see $log)"
}
