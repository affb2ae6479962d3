#!/usr/bin/env bash
# npm run test:cluster: the lab on a real Kubernetes cluster with Calico (`cluster: existing`),
# each stage a real `pulumi up` (project toolchain, throw-away file:// backend) followed by the
# live verification of `npm run verify` (through `npm run lab`, which walks stages with the
# Automation API and verifies each one): every flow expected / predicted / observed, the tier
# failing on any cell that differs. NodePort legs are probed from the outside network namespace.
#
# Walks (WALKS below): helloworld calico 0 -> 5 -> 0 -> 5, helloworld kubernetes 0 -> 4,
# yaobank 0 -> 4; each stack is destroyed after its walk. With LAB_CLUSTER_PROMOTION=1, a third
# round, alone: promotion dev -> staging (test/real-cluster/promotion.sh; off by default).
#
# The cluster: `npm run cluster:up` describes it in $LAB_CLUSTER_ENV (default
# ${XDG_CACHE_HOME:-~/.cache}/calico-zero-trust-lab/cluster/cluster.env), sourced here:
# CLUSTER_KUBECONFIG, CLUSTER_CONTEXT, CLUSTER_NODE_ADDRESS (the node's outside-facing address),
# CLUSTER_OUTSIDE_NETNS (the world), CLUSTER_HELLOWORLD_IMAGE (app and proxy stand-in). Variables
# already set in the environment win. LAB_CLUSTER_WALKS="yaobank ..." runs only those walks;
# LAB_CLUSTER_PARALLEL (default 9: every probe of a helloworld stage at once) bounds the probes in flight.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly REPO="$PWD"
readonly PROJECT=calico-zero-trust-lab

say() { printf '[test:cluster] %s\n' "$*"; }
die() { printf '[test:cluster] ERROR: %s\n' "$*" >&2; exit 2; }
T0=$(date +%s)
PHASES=()
# phase NAME COMMAND...: runs a phase, streaming its output, and records its time.
phase() {
  local name="$1" t rc=0
  shift
  t=$(date +%s)
  say "---- $name: started $(date -u +%H:%M:%S)"
  "$@" || rc=$?
  PHASES+=("$(printf '%-44s %5ss  %s' "$name" "$(($(date +%s) - t))" "$([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)")")")
  say "---- $name: $([[ $rc == 0 ]] && echo "done" || echo "FAILED (exit $rc)") in $(($(date +%s) - t))s"
  return "$rc"
}

# --------------------------------------------------------------------------------- environment
CACHE="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain}"
[[ -f "$CACHE/env.sh" ]] || die "no toolchain at $CACHE (missing env.sh): run 'npm run toolchain' first"
# shellcheck source=/dev/null
. "$CACHE/env.sh"
command -v pulumi >/dev/null || die "'pulumi' not on PATH after sourcing $CACHE/env.sh: run 'npm run toolchain'"
command -v pulumi-resource-pulumi-nodejs >/dev/null || die "pulumi-resource-pulumi-nodejs (the dynamic-provider host cluster=existing needs) is not beside pulumi: run 'npm run toolchain'"

CLUSTER_ENV="${LAB_CLUSTER_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/cluster/cluster.env}"
readonly CLUSTER_VARS="CLUSTER_KUBECONFIG CLUSTER_KUBECTL CLUSTER_CONTEXT CLUSTER_NODE_ADDRESS CLUSTER_OUTSIDE_NETNS CLUSTER_HELLOWORLD_IMAGE"
# shellcheck disable=SC2086
saved_env="$(declare -p $CLUSTER_VARS 2>/dev/null || true)"
if [[ -f "$CLUSTER_ENV" ]]; then
  # shellcheck source=/dev/null
  . "$CLUSTER_ENV"
fi
eval "$saved_env"
for var in $CLUSTER_VARS; do
  [[ -n "${!var:-}" ]] || die "$var is not set and $CLUSTER_ENV does not set it: is the cluster up? (npm run cluster:up)"
done
[[ -r "$CLUSTER_KUBECONFIG" ]] || die "CLUSTER_KUBECONFIG=$CLUSTER_KUBECONFIG: not a readable file"
export KUBECONFIG="$CLUSTER_KUBECONFIG"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-cluster-tier-XXXXXX")"
export PULUMI_BACKEND_URL="file://$WORK/state" PULUMI_CONFIG_PASSPHRASE="cluster-tier-only"
mkdir -p "$WORK/state"
STACKS=()
NEIGHBOUR_MADE=0 LANE_PIDS=()
kill_tree() { # PID: the process and all its descendants (a lane's npm, node and pulumi)
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}
cleanup() {
  local rc=$? stack pid
  for pid in "${LANE_PIDS[@]}"; do kill_tree "$pid"; done
  wait
  for stack in "${STACKS[@]}"; do
    # Leave the cluster as the walk found it, whatever happened (best effort, bounded).
    if pulumi stack --stack "$stack" >/dev/null 2>&1; then
      timeout 600 pulumi destroy --stack "$stack" --yes --skip-preview --non-interactive >"$WORK/destroy-$stack.log" 2>&1 ||
        { KEEP_WORK=1; say "cleanup: pulumi destroy --stack $stack failed (log kept: $WORK/destroy-$stack.log)"; }
      pulumi stack rm "$stack" --yes --force --non-interactive >/dev/null 2>&1 || true
    fi
    rm -f "$REPO/Pulumi.$stack.yaml"
  done
  if [[ $NEIGHBOUR_MADE == 1 ]]; then timeout 120 "$CLUSTER_KUBECTL" delete namespace lab-neighbour --ignore-not-found --wait=false >/dev/null 2>&1 || true; fi
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

say "cluster: $CLUSTER_KUBECONFIG context $CLUSTER_CONTEXT, node address $CLUSTER_NODE_ADDRESS, outside netns $CLUSTER_OUTSIDE_NETNS"
say "pulumi $(pulumi version), backend $PULUMI_BACKEND_URL, node $(node --version)"

# --------------------------------------------------------------------------------------- walks
# name  scenario  flavor  extra config  segments (from:to, each an `npm run lab` walk)
# The walks share the cluster, each in namespaces of its own (the kubernetes flavor's helloworld in
# zero-trust-lab-k8s, with NodePorts of its own). They run in two rounds:
#   round 1, at once: helloworld-calico 0 -> 4, helloworld-kubernetes 0 -> 4, yaobank 0 -> 4;
#   round 2, alone: helloworld-calico 5 -> 0 -> 5. Stage 5's preDNAT policy on the node's host
#   endpoint drops every NodePort but the proxy's, the other walks' included, so it runs by itself.
# Every stage of every walk is still walked up and down and verified, as before the rounds.
readonly WALKS=(
  "helloworld-calico     helloworld calico     -                                                          0:4 5:0 1:5"
  "helloworld-kubernetes helloworld kubernetes namespace=zero-trust-lab-k8s,appNodePort=30090,proxyNodePort=30091 0:4"
  "yaobank               yaobank    calico     -                                                          0:4"
)
readonly ROUND1_SEGMENTS=1 # segments of each walk in round 1 (the rest run in round 2, one walk at a time)

new_stack() { # STACK SCENARIO FLAVOR EXTRA
  local stack="$1" scenario="$2" flavor="$3" extra="$4" kv extras=()
  STACKS+=("$stack")
  pulumi stack init "$stack" --non-interactive >/dev/null
  if [[ "$extra" != - ]]; then
    IFS=, read -r -a kv <<<"$extra"
    for kv in "${kv[@]}"; do extras+=(--plaintext "$PROJECT:$kv"); done
  fi
  pulumi config set-all --stack "$stack" \
    --plaintext "$PROJECT:cluster=existing" \
    --plaintext "$PROJECT:kubeconfigContext=$CLUSTER_CONTEXT" \
    --plaintext "$PROJECT:scenario=$scenario" \
    --plaintext "$PROJECT:flavor=$flavor" \
    --plaintext "$PROJECT:appImage=$CLUSTER_HELLOWORLD_IMAGE" \
    --plaintext "$PROJECT:proxyImage=$CLUSTER_HELLOWORLD_IMAGE" \
    --plaintext "$PROJECT:stage=0" "${extras[@]}"
}

walk() { # STACK FROM TO
  npm run --silent lab -- --stack "$1" --from "$2" --to "$3" --yes --parallel "${LAB_CLUSTER_PARALLEL:-9}" \
    --node-address "$CLUSTER_NODE_ADDRESS" --from-netns "$CLUSTER_OUTSIDE_NETNS"
}

destroy() { # STACK
  pulumi destroy --stack "$1" --yes --skip-preview --non-interactive
}

# segments NAME FIRST COUNT: runs COUNT segments of walk NAME from its FIRST (0-based), then destroys
# its stack when no segment is left; phases recorded in the lane's file (lanes run in subshells).
run_segments() {
  local name="$1" first="$2" count="$3" scenario flavor extra segs rc=0 i
  read -r _ scenario flavor extra segs <<<"$(printf '%s\n' "${WALKS[@]}" | awk -v n="$name" '$1 == n')"
  read -r -a segs <<<"$segs"
  ((first < ${#segs[@]})) || return 0
  for ((i = first; i < first + count && i < ${#segs[@]}; i++)); do
    phase "$name ${segs[i]%%:*} -> ${segs[i]##*:}" walk "cluster-tier-$name" "${segs[i]%%:*}" "${segs[i]##*:}" || rc=1
  done
  if ((first + count >= ${#segs[@]})); then phase "$name destroy" destroy "cluster-tier-$name" || rc=1; fi
  printf '%s\n' "${PHASES[@]}" >"$WORK/phases-$name"
  return "$rc"
}

# lane NAME FIRST COUNT: run_segments in the background, every output line prefixed with the walk's name.
lane() {
  (set -o pipefail; PHASES=(); run_segments "$@" 2>&1 | sed -u "s/^/[$1] /") &
  LANE_PIDS+=("$!")
}

selected=()
for line in "${WALKS[@]}"; do
  read -r name scenario flavor extra _ <<<"$line"
  if [[ -n "${LAB_CLUSTER_WALKS:-}" && " $LAB_CLUSTER_WALKS " != *" $name "* ]]; then continue; fi
  new_stack "cluster-tier-$name" "$scenario" "$flavor" "$extra"
  selected+=("$name")
done
# lab-neighbour (the "pods in other namespaces" probes) is shared by the walks: made here, so no
# walk's verification creates it and deletes it under another walk's probe pod.
"$CLUSTER_KUBECTL" create namespace lab-neighbour --dry-run=client -o yaml |
  "$CLUSTER_KUBECTL" label --local -f - lab.calico-zero-trust/probe=true -o yaml | "$CLUSTER_KUBECTL" apply -f - >/dev/null
NEIGHBOUR_MADE=1

FAILED=0
say "round 1: ${selected[*]} at once (first segment of each)"
for name in "${selected[@]}"; do lane "$name" 0 "$ROUND1_SEGMENTS"; done
for pid in "${LANE_PIDS[@]}"; do wait "$pid" || FAILED=1; done
LANE_PIDS=()
say "round 2: the remaining segments, one walk at a time"
for name in "${selected[@]}"; do
  lane "$name" "$ROUND1_SEGMENTS" 99
  wait "${LANE_PIDS[-1]}" || FAILED=1
done
for name in "${selected[@]}"; do
  [[ -f "$WORK/phases-$name" ]] && while read -r l; do PHASES+=("$l"); done <"$WORK/phases-$name"
done
if [[ "${LAB_CLUSTER_PROMOTION:-0}" == 1 ]]; then
  say "round 3: promotion dev -> staging, alone (test/real-cluster/promotion.sh)"
  if ! phase "promotion dev -> staging" env PROMOTION_WORK="$WORK/promotion" CLUSTER_CONTEXT="$CLUSTER_CONTEXT" \
    CLUSTER_NODE_ADDRESS="$CLUSTER_NODE_ADDRESS" CLUSTER_OUTSIDE_NETNS="$CLUSTER_OUTSIDE_NETNS" \
    CLUSTER_HELLOWORLD_IMAGE="$CLUSTER_HELLOWORLD_IMAGE" CLUSTER_CONTAINERD_ADDRESS="${CLUSTER_CONTAINERD_ADDRESS:-}" \
    bash test/real-cluster/promotion.sh; then
    FAILED=1 KEEP_WORK=1
    say "promotion: its commands' output is kept in $WORK/promotion/logs"
  fi
fi

say "phases:"
printf '[test:cluster]   %s\n' "${PHASES[@]}"
say "total $(($(date +%s) - T0))s: $([[ $FAILED == 0 ]] && echo "every stage's flows observed as predicted and expected" || echo FAILED)"
exit "$FAILED"
