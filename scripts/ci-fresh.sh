#!/usr/bin/env bash
# npm run ci:fresh [-- --purge-packages] [--keep]: runs CI (.ci/run) as a fresh machine would, before
# you submit: a clean clone of this checkout's HEAD (commit first: uncommitted changes are not in it),
# empty caches (XDG_CACHE_HOME and npm's cache in a new folder, so Node 22, the Pulumi toolchain, the
# cluster's binaries and the Go caches are all built from nothing), CI=true and no standard input.
# Your own caches and checkout are not touched.
#
#   --purge-packages  also removes the Debian packages the tiers install (scripts/lib/packages.sh),
#                     so the run installs them as a fresh machine's does. It removes them whoever
#                     installed them: only for a machine that exists to run this.
#   --keep            keeps the clone and its caches (default: removed at the end; about 15 GB).
#
# Root is needed (the real-cluster tier). Cold, it takes 40-60 minutes on 2 cores. It prints where
# the log is, then CI's phase times and the total.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
# shellcheck disable=SC2034 # lib/go-build.sh prefixes its messages with it
LOG_TAG=ci:fresh
# shellcheck source=lib/go-build.sh
source "$REPO/scripts/lib/go-build.sh"
# shellcheck source=lib/packages.sh
source "$REPO/scripts/lib/packages.sh"

PURGE=0 KEEP=0
for arg in "$@"; do
  case "$arg" in
    --purge-packages) PURGE=1 ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$arg' (allowed: --purge-packages, --keep, --help)" ;;
  esac
done
[[ "$(id -u)" == 0 ]] || die "must run as root, as CI does: the real-cluster tier starts host processes and changes iptables, routes and sysctls"
if [[ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]]; then
  warn "uncommitted changes in $REPO are not part of the run: it clones HEAD ($(git -C "$REPO" rev-parse --short HEAD))"
fi

# The host has room for one real cluster (scripts/cluster/lib.sh OWNER_FILE): the run's own
# cluster:up would refuse late, and --purge-packages would pull iptables from under a running one.
owner="$(cat "${CLUSTER_OWNER_FILE:-/run/calico-zero-trust-lab-cluster.owner}" 2>/dev/null || true)"
if [[ -n "$owner" && -d "$owner/state" ]]; then
  die "a real cluster is up (started from $owner): take it down first with: XDG_CACHE_HOME=${owner%/calico-zero-trust-lab/cluster} npm run cluster:down"
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ci-fresh-XXXXXX")"
cleanup() { [[ $KEEP == 1 ]] || rm -rf "$WORK"; }
trap cleanup EXIT
git clone -q "$REPO" "$WORK/checkout"
mkdir -p "$WORK/cache" "$WORK/npm-cache"
if [[ $PURGE == 1 ]]; then
  # shellcheck disable=SC2086
  installed="$(comm -23 <(printf '%s\n' $CLUSTER_RUN_PACKAGES $CLUSTER_BUILD_PACKAGES $LINT_PACKAGES $BROWSER_PACKAGES | sort -u) <(missing_packages $CLUSTER_RUN_PACKAGES $CLUSTER_BUILD_PACKAGES $LINT_PACKAGES $BROWSER_PACKAGES | sort -u) | tr '\n' ' ')"
  # A package others depend on (openssl, under the JDK on some images) stays: purging it would take
  # packages the project never installed with it, or apt refuses outright.
  purge=""
  for pkg in $installed; do
    removed="$(apt-get purge -s "$pkg" 2>/dev/null | awk '/^Purg/ {print $2}' | tr '\n' ' ')" || removed=""
    outside="$(comm -23 <(printf '%s\n' $removed | sort -u) <(printf '%s\n' $installed | sort -u) | xargs)"
    if [[ -z "${removed// /}" || -n "${outside// /}" ]]; then
      warn "keeping $pkg: purging it would also remove ${outside:-packages that depend on it (apt refuses)}"
    else
      purge="$purge $pkg"
    fi
  done
  installed="$purge"
  if [[ -n "${installed// /}" ]]; then
    say "removing the Debian packages the tiers install: $installed"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $installed >"$WORK/apt-purge.log" 2>&1 || die "apt-get purge failed (see $WORK/apt-purge.log)"
    DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -q >>"$WORK/apt-purge.log" 2>&1 || true
  fi
fi
LOG="$WORK/ci.log"
[[ $KEEP == 1 ]] && say "log: $LOG (kept)" || { LOG="${TMPDIR:-/tmp}/ci-fresh-$(date -u +%Y%m%dT%H%M%S).log"; say "log: $LOG"; }
say "running .ci/run in $WORK/checkout with empty caches in $WORK (HEAD $(git -C "$REPO" rev-parse --short HEAD)) ..."
T0=$(date +%s)
rc=0
(cd "$WORK/checkout" && env CI=true XDG_CACHE_HOME="$WORK/cache" npm_config_cache="$WORK/npm-cache" bash .ci/run </dev/null >"$LOG" 2>&1) || rc=$?
sed -n '/^ci: phase times/,$p' "$LOG"
say "$([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") in $(elapsed "$T0"); log: $LOG"
exit "$rc"
