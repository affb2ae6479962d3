#!/usr/bin/env bash
# npm run cluster:down: stops the real cluster and puts the host back as `up` found it, then runs
# check-clean.sh (exit 1 if anything differs from the snapshot `up` took). Idempotent, and safe when
# nothing is up (CI runs it in a trap). It only touches what this tier creates: processes by their
# recorded PIDs (and the shims and pod processes of our containerd), mounts under the cache's state/,
# iptables rules and chains of Felix (cali-, comment cali:), kube-proxy and kubelet (KUBE-) and ours
# (CZT-, comment czt:), ipsets cali*, links cali* and czt-*, our netns, ip rules by our priorities,
# the sysctls `up` saved, cgroups and host paths that did not exist before `up`.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
T0=$(date +%s)

# stop NAME: SIGTERM the recorded process, SIGKILL after 10 s.
stop() {
  local pidf="$RUN/$1.pid" pid
  [[ -f "$pidf" ]] || return 0
  pid="$(cat "$pidf")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    say "  stopped $1 (pid $pid)"
  fi
  rm -f "$pidf"
}

# Pod processes: everything in the kubelet's kubepods cgroups; shims: those serving our containerd.
kill_pods_and_shims() {
  local pids=() f pid n=0
  # shellcheck disable=SC2044 # cgroup paths hold no spaces
  for f in $(find /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/memory/kubepods -name cgroup.procs 2>/dev/null); do
    while read -r pid; do [[ -n "$pid" ]] && pids+=("$pid"); done <"$f"
  done
  for f in /proc/[0-9]*/cmdline; do
    if { tr "\0" " " <"$f"; } 2>/dev/null | grep -q -F -- "-address $RUN/containerd.sock"; then
      pid="${f#/proc/}" && pids+=("${pid%/cmdline}")
    fi
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null && n=$((n + 1)); done
  ((n == 0)) || say "  killed $n pod and shim processes"
  sleep 1
}

unmount_state() {
  local m n=0
  for m in $(awk -v p="$STATE/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    n=$((n + 1))
  done
  # Pod netns that containerd keeps in /run/netns when it does not honour netns_mounts_under_state_dir.
  for m in /run/netns/cni-*; do
    [[ -e "$m" ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    rm -f "$m" && n=$((n + 1))
  done
  # Mounts outside state/ that a component made (Felix mounts bpffs on /sys/fs/bpf even with BPF off):
  # those absent from the snapshot `up` took.
  if [[ -f "$HOSTREC/before/mounts" ]]; then
    # shellcheck disable=SC2043 # one mount today; the loop is the place for more
    for m in /sys/fs/bpf; do
      if grep -q " $m " /proc/self/mountinfo && ! grep -q -x "$m .*" "$HOSTREC/before/mounts"; then
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
        n=$((n + 1))
      fi
    done
  fi
  ((n == 0)) || say "  unmounted $n mounts under $STATE, /run/netns/cni-* and those components added"
}

# clean_rules SAVE RESTORE: removes every chain and rule of ours/Felix/kube-proxy/kubelet from one
# iptables family and backend, by restoring its dump without them (other rules stay as they are).
readonly OURS_RE='(cali-|cali:|KUBE-|CZT-|czt:)'
clean_rules() {
  local save="$1" restore="$2" dump kept
  command -v "$save" >/dev/null || return 0
  dump="$("$save" 2>/dev/null)" || return 0
  grep -q -E "$OURS_RE" <<<"$dump" || return 0
  kept="$(grep -v -E "^:(cali-|KUBE-|CZT-)|^-A (cali-|KUBE-|CZT-)|-j (cali-|KUBE-|CZT-)|--comment \"?(cali:|czt:)" <<<"$dump")"
  if "$restore" <<<"$kept"; then say "  removed $(($(wc -l <<<"$dump") - $(wc -l <<<"$kept"))) rules and chains ($save)"; else warn "$restore failed; rules left: $save | grep -E '$OURS_RE'"; fi
}

# Tables that `up` found absent and that are now empty (iptables-nft leaves the table) are deleted.
drop_new_tables() {
  [[ -f "$HOSTREC/before/nft-tables" ]] || return 0
  local family name rules
  while read -r _ family name; do
    [[ -n "$name" ]] || continue
    grep -q -x "table $family $name" "$HOSTREC/before/nft-tables" && continue
    case "$family" in ip) rules="$(iptables-save -t "$name" 2>/dev/null)" ;; ip6) rules="$(ip6tables-save -t "$name" 2>/dev/null)" ;; *) rules="" ;; esac
    # kube-proxy's own nftables tables go whole; iptables-nft tables only when nothing is left in them.
    if [[ "$name" == kube-proxy || -z "$(grep -E '^(-A|:[^ ]+ - )' <<<"$rules")" ]]; then
      nft delete table "$family" "$name" 2>/dev/null && say "  deleted nft table $family $name (absent before up)"
    fi
  done < <(nft list tables 2>/dev/null)
}

# Another cache's cluster holds the host (OWNER_FILE): nothing here is this cache's to undo.
OWNER="$(host_owner)"
if [[ -n "$OWNER" && "$OWNER" != "$CACHE" ]]; then
  say "down: the host's cluster was started from $OWNER, not $CACHE: nothing to take down here (the host is left as it is)"
  exit 0
fi
if [[ -z "$OWNER" && ! -d "$STATE" && ! -d "$HOSTREC" ]]; then
  say "down: no cluster was started from $CACHE: nothing to do"
  exit 0
fi
say "down: stopping the cluster in $STATE"
phase processes
for p in kube-proxy calico-apiserver calico-felix kubelet; do stop "$p"; done
kill_pods_and_shims
for p in containerd kube-scheduler kube-controller-manager kube-apiserver etcd internet world-dns; do stop "$p"; done

phase mounts
unmount_state

phase iptables
[[ -x "$BIN/kube-proxy" && -d "$STATE" ]] && "$BIN/kube-proxy" --cleanup >"$LOGS/kube-proxy-cleanup.log" 2>&1
clean_rules iptables-save iptables-restore
clean_rules ip6tables-save ip6tables-restore
if [[ -s /proc/net/ip_tables_names ]]; then clean_rules iptables-legacy-save iptables-legacy-restore; fi
if [[ -s /proc/net/ip6_tables_names ]]; then clean_rules ip6tables-legacy-save ip6tables-legacy-restore; fi
drop_new_tables
for s in $(ipset list -n 2>/dev/null | grep -E '^cali'); do ipset destroy "$s" 2>/dev/null && say "  destroyed ipset $s"; done

phase network
for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(cali|czt-)'); do
  ip link del "$l" 2>/dev/null && say "  deleted link $l"
done
for l in tunl0 vxlan.calico; do
  if ip link show "$l" >/dev/null 2>&1 && [[ -f "$HOSTREC/before/links" ]] && ! grep -q "^$l " "$HOSTREC/before/links"; then
    ip link del "$l" 2>/dev/null && say "  deleted link $l"
  fi
done
for ns in "$OUTSIDE_NS" "$SINK_NS"; do ip netns del "$ns" 2>/dev/null && say "  deleted netns $ns"; done
for prio in $RULE_PRIORITIES; do while ip rule del pref "$prio" 2>/dev/null; do :; done; done
ip route del blackhole "$POD_CIDR" 2>/dev/null
while read -r route; do
  [[ -n "$route" ]] && ip route del $route 2>/dev/null && say "  deleted route $route"
done < <(ip route show type blackhole | grep -E "^blackhole 10\.244\." | sed 's/^blackhole /blackhole /' | awk '{print $1, $2}')

phase sysctls
if [[ -f "$HOSTREC/sysctls" ]]; then
  while read -r line; do
    key="${line%% = *}" value="${line#* = }"
    [[ -n "$key" ]] || continue
    now="$(sysctl -n "$key" 2>/dev/null)" || continue
    if [[ "$now" != "$value" ]]; then sysctl -qw "$key=$value" 2>/dev/null && say "  restored $key = $value (was $now)"; fi
  done <"$HOSTREC/sysctls"
  rm -f "$HOSTREC/sysctls"
fi

phase "cgroups and files"
if [[ -f "$HOSTREC/cgroups" ]]; then
  for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort | comm -23 - "$HOSTREC/cgroups"); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    [[ -d "$d" ]] && warn "cgroup $d is not empty; left" || say "  removed cgroup $d"
  done
  rm -f "$HOSTREC/cgroups"
fi
if [[ -f "$HOSTREC/paths-existing" ]]; then
  for p in $HOST_PATHS /run/xtables.lock; do
    grep -q -x -F "$p" "$HOSTREC/paths-existing" && continue
    [[ -e "$p" || -L "$p" ]] || continue
    if [[ "$p" == /run/netns ]]; then
      [[ -z "$(ls -A /run/netns)" ]] || { warn "/run/netns holds other netns; left"; continue; }
      umount /run/netns 2>/dev/null
    fi
    rm -rf "$p" && say "  removed $p (absent before up)"
  done
  rm -f "$HOSTREC/paths-existing"
fi
rm -rf "$STATE" "$DESCRIPTION_ENV" "$DESCRIPTION_JSON"
rm -f "$OWNER_FILE"
phase ""
say "down: done in $(elapsed "$T0")"
bash "$CLUSTER_DIR/check-clean.sh"
