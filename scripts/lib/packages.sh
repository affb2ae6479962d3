# shellcheck shell=bash
# The Debian packages each step needs, and the one function that installs them. A fresh machine has
# only the image's packages, so every step that uses one calls ensure_packages itself: a step never
# relies on an earlier step (or an earlier session) having installed what it needs. Sourced, never
# run; the sourcing script provides say/die (lib/go-build.sh) and LOGS.

# cluster:build: the probe image's shell and applets come from Debian's static busybox.
# shellcheck disable=SC2034 # read by scripts/cluster/build.sh
readonly CLUSTER_BUILD_PACKAGES="busybox-static"
# npm run lint (part of npm test): ShellCheck over scripts/.
# shellcheck disable=SC2034 # read by scripts/lint-shell.sh and scripts/ci-fresh.sh
readonly LINT_PACKAGES="shellcheck"
# test:browser: headless Chromium, which the browser tier drives with playwright-core (an explicit
# executable path: no browser download), and Liberation Sans, metric-compatible with the Helvetica
# Graphviz measures labels in (fontconfig maps Helvetica to it), so text fits the boxes drawn for it.
# shellcheck disable=SC2034 # read by scripts/install-browser.sh and scripts/ci-fresh.sh
readonly BROWSER_PACKAGES="chromium fonts-liberation"
# cluster:up: the node's runtime and tools. nftables: `down` deletes the iptables-nft tables that
# `up` created (nft delete table), and the snapshot lists nft tables, so check-clean sees them.
# shellcheck disable=SC2034 # read by scripts/cluster/up.sh
readonly CLUSTER_RUN_PACKAGES="containerd runc etcd-server iptables nftables ipset conntrack containernetworking-plugins busybox-static socat openssl curl"

# missing_packages PKG...: prints those of PKG... that dpkg does not report installed, one a line.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# ensure_packages STEP PKG...: installs those of PKG... that are missing (apt-get update once, then
# install, no recommends, services not started). Without root, or with PACKAGES_INSTALL=0, a missing
# package is an error naming STEP, the packages and the command that installs them.
ensure_packages() {
  local step="$1" missing
  shift
  missing="$(missing_packages "$@" | tr '\n' ' ')"
  missing="${missing% }"
  if [[ -z "$missing" ]]; then
    say "packages: $step has all it needs ($*)"
    return 0
  fi
  if [[ "$(id -u)" != 0 || "${PACKAGES_INSTALL:-1}" == 0 ]]; then
    die "packages: $step needs the Debian packages $missing, which are not installed: apt-get update && apt-get install -y --no-install-recommends $missing"
  fi
  say "packages: $step installs $missing (apt-get) ..."
  mkdir -p "$LOGS"
  export DEBIAN_FRONTEND=noninteractive
  # The policy-rc.d answer keeps Debian's postinst scripts from starting containerd or etcd.
  local rcd=/usr/sbin/policy-rc.d made_rcd=0
  if [[ ! -e "$rcd" ]]; then printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 0755 "$rcd" && made_rcd=1; fi
  local rc=0
  with_progress "$LOGS/apt.log" "apt-get update" apt-get -o DPkg::Lock::Timeout=600 update -q || rc=1
  # shellcheck disable=SC2086
  ((rc != 0)) || with_progress "$LOGS/apt.log" "apt-get install" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing || rc=2
  ((made_rcd == 0)) || rm -f "$rcd"
  ((rc != 1)) || die "packages: step 'apt-get update' failed for $step (see $LOGS/apt.log)"
  ((rc != 2)) || die "packages: step 'apt-get install $missing' failed for $step (see $LOGS/apt.log)"
  missing="$(missing_packages "$@" | tr '\n' ' ')"
  [[ -z "${missing% }" ]] || die "packages: $step: still not installed after apt-get: $missing (see $LOGS/apt.log)"
  say "packages: installed for $step"
}
