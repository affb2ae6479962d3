#!/usr/bin/env bash
# npm run browser:install: the browser tier's headless Chromium (Debian's chromium package, and a
# font) through scripts/lib/packages.sh, as root; without root, or with PACKAGES_INSTALL=0, a missing
# package is an error naming the apt-get command. Prints the browser's path last, the path
# test/browser/ launches (CHROMIUM_PATH overrides it). npm run test:browser runs it first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck disable=SC2034 # lib/packages.sh logs apt-get there
readonly LOGS="${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/browser-logs"
# shellcheck disable=SC2034 # lib/go-build.sh prefixes its messages with it
readonly LOG_TAG="browser"
# shellcheck source=lib/go-build.sh
. "$ROOT/scripts/lib/go-build.sh"
# shellcheck source=lib/packages.sh
. "$ROOT/scripts/lib/packages.sh"

# shellcheck disable=SC2086 # a list of package names
ensure_packages "test:browser" $BROWSER_PACKAGES >&2
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[[ -x "$browser" ]] || die "no Chromium at $browser after installing $BROWSER_PACKAGES (CHROMIUM_PATH names another)"
say "$("$browser" --version 2>/dev/null || echo "chromium (version unknown)") at $browser" >&2
echo "$browser"
