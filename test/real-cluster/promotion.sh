#!/usr/bin/env bash
# The real-cluster tier's promotion round (LAB_CLUSTER_PROMOTION=1 npm run test:cluster; run.sh
# calls this after its walks, with the cluster's variables and the tier's backend in the
# environment): the design card's stack-per-environment promotion, end to end, with the commands a
# user types.
#
#   dev     (cluster: existing, namespace zero-trust-lab-dev, NodePorts 30100/30101)
#   staging (cluster: existing, namespace zero-trust-lab-staging, NodePorts 30110/30111)
#
#   1. promote before dev was ever verified                -> refused: no recorded verification
#   2. dev walked 0 -> 2 and verified; promote            -> refused: the policy pack (stage 2 is not zero trust)
#   3. dev walked 3 -> 4 and verified; promote            -> refused: the image is not pinned, when
#      verification saw no digest of it (the cluster imports its images by tag only, as `kind load`
#      does); then the image gets its repository digest reference in containerd (as a registry
#      pull gives it), dev runs it by digest and stage 4 is walked and verified again
#   4. dev updated after its verification; promote        -> refused: drift since verification;
#      dev put back and stage 4 verified again
#   5. promote (dry run)                                  -> allowed, staging unchanged
#   6. promote --apply --up                               -> staging's stage and pinned images set, pulumi up of staging
#   7. npm run verify -- --stack staging                  -> staging's flows observed as expected
# After every command of ours (lab, verify, promote) the selected stack is still dev, and after
# every promote dev's config, stack file and last update are unchanged.
#
# The stacks are named dev and staging as the docs name them, so they run in a copy of the
# checkout: `pulumi stack init` and `pulumi config set` there rewrite the copies of the committed
# Pulumi.dev.yaml and Pulumi.staging.yaml, never the checkout's. Both stacks are destroyed on exit.
#
# Environment (run.sh sets it): PROMOTION_WORK (a directory of its own), PULUMI_BACKEND_URL,
# PULUMI_CONFIG_PASSPHRASE, KUBECONFIG, CLUSTER_CONTEXT, CLUSTER_NODE_ADDRESS,
# CLUSTER_OUTSIDE_NETNS, CLUSTER_HELLOWORLD_IMAGE, CLUSTER_CONTAINERD_ADDRESS (the node's containerd,
# where step 3 adds the image's digest reference, removed on exit); LAB_CLUSTER_PARALLEL (probes at
# a time, default 9).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly REPO="$PWD"
readonly PROJECT=calico-zero-trust-lab

say() { printf '[promotion] %s\n' "$*"; }
fail() { printf '[promotion] FAILED: %s\n' "$*" >&2; exit 1; }

for var in PROMOTION_WORK PULUMI_BACKEND_URL KUBECONFIG CLUSTER_CONTEXT CLUSTER_NODE_ADDRESS CLUSTER_OUTSIDE_NETNS CLUSTER_HELLOWORLD_IMAGE CLUSTER_CONTAINERD_ADDRESS; do
  [[ -n "${!var:-}" ]] || fail "$var is not set (run it through LAB_CLUSTER_PROMOTION=1 npm run test:cluster)"
done
[[ "$PULUMI_BACKEND_URL" == file://* ]] || fail "PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL: the tier's throw-away file:// backend expected"
readonly COPY="$PROMOTION_WORK/checkout" LOGS="$PROMOTION_WORK/logs"
readonly RECORDS="${PULUMI_BACKEND_URL#file://}/.calico-zero-trust-lab/verifications"
readonly PROBES=(--node-address "$CLUSTER_NODE_ADDRESS" --from-netns "$CLUSTER_OUTSIDE_NETNS" --parallel "${LAB_CLUSTER_PARALLEL:-9}")
STACKS=() DIGEST_REF=""

cleanup() {
  local rc=$? stack
  cd "$COPY" 2>/dev/null || exit "$rc"
  for stack in "${STACKS[@]}"; do
    timeout 600 pulumi destroy --stack "$stack" --yes --skip-preview --non-interactive >"$LOGS/destroy-$stack.log" 2>&1 ||
      { rc=1; say "cleanup: pulumi destroy --stack $stack failed (log: $LOGS/destroy-$stack.log)"; continue; }
    pulumi stack rm "$stack" --yes --force --non-interactive >/dev/null 2>&1 || true
  done
  # The digest reference step 3 added (only the reference: the image itself stays as up imported it).
  [[ -z "$DIGEST_REF" ]] || ctr --address "$CLUSTER_CONTAINERD_ADDRESS" -n k8s.io images rm "$DIGEST_REF" >/dev/null || rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------- the checkout copy
# Tracked and untracked-but-not-ignored files as they are now (a run tests the working tree, as the
# walks do), and the ignored installs and builds linked in.
mkdir -p "$COPY" "$LOGS"
git -C "$REPO" ls-files -z --cached --others --exclude-standard |
  tar -C "$REPO" --null --files-from=- --ignore-failed-read -cf - | tar -C "$COPY" -xf -
for linked in node_modules policy-pack/node_modules dist policy-pack/dist; do
  [[ -e "$REPO/$linked" ]] && ln -sfn "$REPO/$linked" "$COPY/$linked"
done
cd "$COPY"

selected() { pulumi stack --show-name 2>/dev/null || echo "(none)"; }
# A fingerprint of everything promotion must leave alone on the source stack.
fingerprint_dev() {
  { pulumi config --stack dev --json; pulumi stack history --stack dev --json | node -e 'const h = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(h.length, h[0]?.endTime ?? "")'; cat Pulumi.dev.yaml; } | sha256sum
}

# ours EXPECTED_EXIT NAME COMMAND...: one command of ours, its output shown and kept in $LOGS/NAME.log;
# fails unless it exits EXPECTED_EXIT and leaves the selected stack as it found it.
ours() {
  local expected="$1" name="$2" rc before
  shift 2
  before="$(selected)"
  say "\$ $*"
  set +o errexit
  "$@" 2>&1 | tee "$LOGS/$name.log"
  rc=${PIPESTATUS[0]}
  set -o errexit
  [[ "$rc" == "$expected" ]] || fail "$name: '$*' exited $rc, expected $expected (log: $LOGS/$name.log)"
  [[ "$(selected)" == "$before" ]] || fail "$name: '$*' changed the selected stack from $before to $(selected)"
}

# says NAME TEXT: the log of command NAME says TEXT (a fixed string).
says() { grep -qF -- "$2" "$LOGS/$1.log" || fail "$1: its output does not say: $2 (log: $LOGS/$1.log)"; }

# promote_refused NAME TEXT [FLAGS...]: promote dev -> staging is refused, saying TEXT; dev unchanged.
promote_refused() {
  local name="$1" text="$2" dev_before
  shift 2
  dev_before="$(fingerprint_dev)"
  ours 1 "$name" npm run --silent promote -- --from dev --to staging "$@"
  says "$name" "REFUSED"
  says "$name" "$text"
  [[ "$(fingerprint_dev)" == "$dev_before" ]] || fail "$name: promote changed the source stack dev"
}

walk_dev() { # NAME FROM TO: npm run lab on dev, every stage verified
  ours 0 "$1" npm run --silent lab -- --stack dev --from "$2" --to "$3" --yes "${PROBES[@]}"
}

new_stack() { # STACK NAMESPACE APP_NODE_PORT PROXY_NODE_PORT
  STACKS+=("$1")
  pulumi stack init "$1" --non-interactive >/dev/null
  pulumi config set-all --stack "$1" \
    --plaintext "$PROJECT:cluster=existing" \
    --plaintext "$PROJECT:kubeconfigContext=$CLUSTER_CONTEXT" \
    --plaintext "$PROJECT:flavor=calico" \
    --plaintext "$PROJECT:namespace=$2" \
    --plaintext "$PROJECT:appNodePort=$3" \
    --plaintext "$PROJECT:proxyNodePort=$4" \
    --plaintext "$PROJECT:stage=0"
  # Pulumi.staging.yaml's IKS host endpoint selector: no host endpoint here, and none before stage 5.
  pulumi config rm --stack "$1" hostEndpointSelector >/dev/null 2>&1 || true
}

new_stack staging zero-trust-lab-staging 30110 30111
new_stack dev zero-trust-lab-dev 30100 30101
# dev runs the cluster's image by tag, as a user's dev stack would; the proxy follows it.
pulumi config set --stack dev "$PROJECT:appImage" "$CLUSTER_HELLOWORLD_IMAGE"
pulumi stack select dev
say "stacks dev and staging in $COPY, selected: $(selected)"

# 1. Unverified source.
promote_refused refused-unverified "stack dev has no recorded verification"

# 2. A failing pack: stage 2 is verified (its flows are as expected) but not zero trust.
walk_dev walk-dev-0-2 0 2
promote_refused refused-pack "the policy pack refuses stack dev with every policy mandatory"
says refused-pack "default-deny"

# 3. An image not pinned by digest.
walk_dev walk-dev-3-4 3 4
digest="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(Object.entries(r.imageDigests ?? {}).find(([k]) => k.startsWith("helloworld/"))?.[1] ?? "")' "$RECORDS/dev.json")"
if [[ -z "$digest" ]]; then
  promote_refused refused-not-pinned "the helloworld image of dev is not pinned by digest"
  # What a registry pull records and an import by tag does not: <repository>@<manifest digest>.
  manifest="$(ctr --address "$CLUSTER_CONTAINERD_ADDRESS" -n k8s.io images ls "name==$CLUSTER_HELLOWORLD_IMAGE" | awk 'NR == 2 {print $3}')"
  [[ "$manifest" == sha256:* ]] || fail "containerd at $CLUSTER_CONTAINERD_ADDRESS has no image $CLUSTER_HELLOWORLD_IMAGE"
  DIGEST_REF="${CLUSTER_HELLOWORLD_IMAGE%:*}@$manifest"
  ctr --address "$CLUSTER_CONTAINERD_ADDRESS" -n k8s.io images tag "$CLUSTER_HELLOWORLD_IMAGE" "$DIGEST_REF" >/dev/null
  say "containerd: $CLUSTER_HELLOWORLD_IMAGE also known as $DIGEST_REF; dev runs it by digest"
  pulumi config set --stack dev "$PROJECT:appImage" "$DIGEST_REF"
  walk_dev walk-dev-4-pinned 4 4
else
  say "NOT EXERCISED: the image-not-pinned refusal (verification saw $digest running, so promotion pins that)"
fi

# 4. Drift since verification: dev updated after its stage was verified.
pulumi config set --stack dev "$PROJECT:appReplicas" 2
pulumi up --stack dev --yes --skip-preview --non-interactive >"$LOGS/drift-up.log" 2>&1 || fail "pulumi up --stack dev (the drift) failed (log: $LOGS/drift-up.log)"
promote_refused refused-drift "stack dev was updated after its last verification"
pulumi config rm --stack dev "$PROJECT:appReplicas"
walk_dev walk-dev-4-again 4 4

# 5. The dry run: allowed, and nothing changes anywhere.
dev_before="$(fingerprint_dev)" staging_stage="$(pulumi config get --stack staging stage)"
ours 0 promote-dry-run npm run --silent promote -- --from dev --to staging
says promote-dry-run "ALLOWED (dry run: nothing changed"
[[ "$(pulumi config get --stack staging stage)" == "$staging_stage" ]] || fail "promote-dry-run: the dry run changed staging's stage"
[[ "$(fingerprint_dev)" == "$dev_before" ]] || fail "promote-dry-run: the dry run changed the source stack dev"

# 6. Promotion: staging's config set and staging deployed by `pulumi up` (--apply --up).
ours 0 promote-up npm run --silent promote -- --from dev --to staging --apply --up
says promote-up "ALLOWED"
[[ "$(pulumi config get --stack staging stage)" == allow-proxy ]] || fail "promote-up: staging's stage is $(pulumi config get --stack staging stage), not allow-proxy"
for key in appImage proxyImage; do
  image="$(pulumi config get --stack staging "$key")"
  [[ "$image" == *@sha256:* ]] || fail "promote-up: staging's $key is $image, not pinned by digest"
done
[[ "$(pulumi config get --stack staging namespace)" == zero-trust-lab-staging ]] || fail "promote-up: staging's namespace changed"
[[ "$(fingerprint_dev)" == "$dev_before" ]] || fail "promote-up: promotion changed the source stack dev"

# 7. Staging verified in its own namespace.
ours 0 verify-staging npm run --silent verify -- --stack staging "${PROBES[@]}"
say "dev -> staging: refused unverified, failing pack, ${digest:+(not-pinned not exercised) }drift; promoted stage 4 with pinned images; staging verified"
