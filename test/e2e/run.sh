#!/usr/bin/env bash
# npm run test:e2e: the program on the real Pulumi engine (render mode, throwaway file:// backend).
# Needs the offline toolchain from `npm run toolchain` (pulumi, the Node.js language host, the
# Kubernetes provider plugin) and Node 22.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
CACHE="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain}"
if [[ ! -f "$CACHE/env.sh" ]]; then
  echo "test:e2e: no toolchain at $CACHE (missing env.sh): run 'npm run toolchain' first" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$CACHE/env.sh"
command -v pulumi >/dev/null || { echo "test:e2e: 'pulumi' not on PATH after sourcing $CACHE/env.sh: run 'npm run toolchain'" >&2; exit 1; }
# The policy pack has its own dependencies (its own package.json); install them once if missing.
if [[ -f policy-pack/package-lock.json && ! -d policy-pack/node_modules/@pulumi/policy ]]; then
  echo "test:e2e: installing policy-pack dependencies (npm ci --prefix policy-pack)"
  npm ci --prefix policy-pack --ignore-scripts --no-audit --no-fund
fi
# Render mode must not see a cluster: the test also gives the engine an empty HOME.
unset KUBECONFIG
exec npx vitest run --config test/e2e/vitest.config.mts "$@"
