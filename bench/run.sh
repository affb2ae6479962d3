#!/usr/bin/env bash
# npm run bench: every part runs even when an earlier one misses its budget (exit 1 at the end then).
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
for part in analyzer policy-pack parse live-read; do
    npx --no-install tsx "bench/$part.bench.ts" || { echo "bench/$part.bench.ts: exit $?"; status=1; }
done
exit "$status"
