#!/usr/bin/env bash
# npm run cluster:check-clean: compares the host now with the snapshot `up` took before it changed
# anything (snapshot.sh) and prints every difference; exit 0 when there is none. down.sh ends with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
if [[ ! -d "$HOSTREC/before" ]]; then
  say "check-clean: no snapshot from before \`up\` in $HOSTREC/before; nothing to compare"
  exit 0
fi
bash "$CLUSTER_DIR/snapshot.sh" "$HOSTREC/after"
if diff -r -U0 "$HOSTREC/before" "$HOSTREC/after" >"$HOSTREC/check-clean.diff"; then
  say "check-clean: the host is as \`up\` found it ($(ls "$HOSTREC/before" | wc -l) aspects compared: $(ls "$HOSTREC/before" | tr '\n' ' '))"
  exit 0
fi
say "check-clean: the host differs from before \`up\` (- before, + now):"
grep -v -E '^(diff|@@)' "$HOSTREC/check-clean.diff" | sed 's/^/  /'
exit 1
