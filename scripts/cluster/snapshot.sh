#!/usr/bin/env bash
# snapshot.sh DIR: writes what `up` may change on the host into DIR, one file per aspect, normalized so
# two snapshots diff cleanly: iptables and ip6tables rules (nft and, when present, legacy; no
# counters), nftables tables, ipsets, links, addresses, routes (all tables), ip rules, netns, mounts,
# the sysctls of lib.sh SYSCTL_PATTERN, the host paths of lib.sh HOST_PATHS, cgroups, processes.
# up.sh takes one before it changes anything; check-clean.sh takes one after `down` and diffs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
readonly OUT="${1:?usage: snapshot.sh DIR}"
# Without nft the tables that iptables-nft creates on first use would go unseen here (and down could
# not delete them): cluster:up installs nftables (lib/packages.sh).
command -v nft >/dev/null || die "snapshot: 'nft' is missing (Debian package nftables; npm run cluster:up installs it)"
rm -rf "$OUT" && mkdir -p "$OUT"
rules() { grep -v -E '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[-]/'; }
iptables-save 2>/dev/null | rules >"$OUT/iptables-nft" || true
ip6tables-save 2>/dev/null | rules >"$OUT/ip6tables-nft" || true
# Legacy tables only if some exist: listing them with iptables-legacy would create them, and
# iptables-nft then warns about legacy tables on every call. What counts is what filters traffic:
# each table's rules, user chains and non-ACCEPT policies, as "table line". An empty legacy table
# (some component's probe creates one) filters nothing, and on a kernel with built-in x_tables (no
# modules to unload) it cannot be removed before a reboot: `down` can only leave it empty.
legacy() { # NAMES_FILE SAVE
  [[ -s "/proc/net/$1" ]] || return 0
  "$2" 2>/dev/null | rules | awk '/^\*/ {table = substr($0, 2); next}
    /^COMMIT$/ || /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT / {next}
    {print table, $0}' || true
}
legacy ip_tables_names iptables-legacy-save >"$OUT/iptables-legacy"
legacy ip6_tables_names ip6tables-legacy-save >"$OUT/ip6tables-legacy"
{ nft list tables 2>/dev/null || true; } | sort >"$OUT/nft-tables"
{ ipset list -n 2>/dev/null || true; } | sort >"$OUT/ipsets"
ip -br link | awk '{print $1, $3}' | sort >"$OUT/links"
ip -br addr | sort >"$OUT/addresses"
ip route show table all | grep -v -E '^(local|broadcast) .* table local' | sort >"$OUT/routes"
ip -6 route show table all 2>/dev/null | sort >"$OUT/routes6"
ip rule | sort >"$OUT/rules"
ip -6 rule | sort >"$OUT/rules6"
ip netns list | sort >"$OUT/netns"
awk '{print $5, $9}' /proc/self/mountinfo | sort >"$OUT/mounts"
sysctl -a 2>/dev/null | grep -E "$SYSCTL_PATTERN" | sort >"$OUT/sysctls" || true
for p in $HOST_PATHS /run/xtables.lock; do
  if [[ -e "$p" ]]; then find "$p" -maxdepth 3 2>/dev/null | sort; else echo "absent $p"; fi
done >"$OUT/paths"
find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort >"$OUT/cgroups"
# Processes this tier starts (by executable name), wherever they came from.
ps -eo comm= | grep -x -E 'etcd|kube-apiserver|kube-controller|kube-scheduler|kubelet|kube-proxy|containerd|containerd-shim|containerd-shim-runc-v2|calico-felix|calico-apiserve|calico|coredns|pause|helloworld|socat|world-dns' |
  sort | uniq -c >"$OUT/processes" || true
