#!/usr/bin/env bash
# npm run test:browser: the lab's HTML report in a real browser. Each scenario's report is made by
# `npm run lab -- --render --yes` (the real Pulumi engine, no cluster), then opened in headless
# Chromium (Debian's chromium, installed by scripts/install-browser.sh through scripts/lib/packages.sh,
# driven by playwright-core with its explicit path). Needs the offline toolchain of `npm run toolchain`.
# Screenshots go to test/browser/out/ (git-ignored), or BROWSER_OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
CACHE="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain}"
if [[ ! -f "$CACHE/env.sh" ]]; then
  echo "test:browser: no toolchain at $CACHE (missing env.sh): run 'npm run toolchain' first (the render walk runs pulumi)" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$CACHE/env.sh"
command -v pulumi >/dev/null || { echo "test:browser: 'pulumi' not on PATH after sourcing $CACHE/env.sh: run 'npm run toolchain'" >&2; exit 1; }
CHROMIUM_PATH="$(bash scripts/install-browser.sh)"
export CHROMIUM_PATH
# Render mode must not see a cluster.
unset KUBECONFIG
exec npx vitest run --config test/browser/vitest.config.mts "$@"
