#!/usr/bin/env bash
# ShellCheck over every shell script of the project (scripts/, the tiers' runners under test/,
# bench/, .ci/run; npm run lint, part of npm test): warnings and errors fail, notes do not.
# ShellCheck comes from Debian's package, installed here when missing (as root; otherwise the error
# names the apt-get command), as every step installs what it needs (scripts/lib/packages.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck disable=SC2034 # lib/packages.sh logs apt-get there
readonly LOGS="${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/lint-logs"
# shellcheck disable=SC2034 # lib/go-build.sh prefixes its messages with it
readonly LOG_TAG="lint"
# shellcheck source=lib/go-build.sh
. "$ROOT/scripts/lib/go-build.sh"
# shellcheck source=lib/packages.sh
. "$ROOT/scripts/lib/packages.sh"

# shellcheck disable=SC2086 # a list of package names
if ! command -v shellcheck >/dev/null; then ensure_packages "lint" $LINT_PACKAGES >&2; fi
cd "$ROOT"
mapfile -t scripts < <(find scripts test bench -name '*.sh' -not -path '*/node_modules/*' | sort)
scripts+=(.ci/run)
# -x follows the files a script sources (the paths its `# shellcheck source=` comments give).
shellcheck -x --severity=warning "${scripts[@]}"
