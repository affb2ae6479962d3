# shellcheck shell=bash
# Source it from the repository's root before the README's `pulumi` commands:  . scripts/env.sh
# One environment for the `pulumi` CLI and the npm scripts (lab, verify, promote):
#   - Node.js 22 first on PATH (scripts/ensure-node.sh: the machine's node if new enough);
#   - the toolchain's `pulumi` and its plugins (PULUMI_HOME) when `npm run toolchain` has built
#     them; a `pulumi` of your own is used otherwise;
#   - the same state backend as the npm scripts: file://<repo>/.pulumi (git-ignored), unless
#     PULUMI_BACKEND_URL is already set; no `pulumi login` needed, and none is changed;
#   - PULUMI_CONFIG_PASSPHRASE, which encrypts the stack's secrets (the kubeconfig), empty unless
#     you set your own first (the npm scripts use the same variable).
# Sourcing it again is harmless. It changes no file.

lab_repo="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"

if lab_node_bin="$(bash "$lab_repo/scripts/ensure-node.sh")"; then
  case ":$PATH:" in *":$lab_node_bin:"*) ;; *) export PATH="$lab_node_bin:$PATH" ;; esac
else
  echo "env.sh: no Node.js 22: install it (.nvmrc) and source this again" >&2
fi

lab_toolchain_env="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/toolchain}/env.sh"
if [ -f "$lab_toolchain_env" ]; then
  # shellcheck source=/dev/null # written by npm run toolchain, outside the checkout
  . "$lab_toolchain_env"
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p "$lab_repo/.pulumi"
  export PULUMI_BACKEND_URL="file://$lab_repo/.pulumi"
fi
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_UPDATE_CHECK=true

if command -v pulumi >/dev/null 2>&1; then
  echo "env.sh: node $(node --version), $(command -v pulumi) $(pulumi version 2>/dev/null), state in $PULUMI_BACKEND_URL"
else
  echo "env.sh: node $(node --version), no pulumi on PATH: build it with \`npm run toolchain\` (see README, Prerequisites) and source this again, or install the Pulumi CLI; state in $PULUMI_BACKEND_URL" >&2
fi
unset lab_repo lab_node_bin lab_toolchain_env
