# shellcheck shell=bash
# shellcheck disable=SC2034 # the constants below are read by the scripts that source this file
# Shared by scripts/cluster/*.sh: where everything lives, the cluster's addresses and ports, and small
# helpers. Sourced, never run.
#
# Cache (outside git): ${CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/cluster}
#   bin/     built binaries + stamps          build/  wrapper modules (go.sum lives here)
#   images/  docker-archive tarballs + stamp  gomodcache/ gocache/  Go caches   logs/  build logs
#   state/   the running cluster: pki/ etc/ data/ run/ logs/ (removed by `down`)
#   host/    what `up` found on the host (sysctls, files, snapshot) so `down` can put it back
#   cluster.env, cluster.json   the description of the running cluster (see docs/cluster.md)

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly CLUSTER_DIR
readonly CACHE="${CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-zero-trust-lab/cluster}"
readonly BIN="$CACHE/bin" BUILD="$CACHE/build" LOGS="$CACHE/logs" IMAGES="$CACHE/images"
readonly STATE="$CACHE/state" HOSTREC="$CACHE/host"
readonly PKI="$STATE/pki" ETC="$STATE/etc" DATA="$STATE/data" RUN="$STATE/run" CLOGS="$STATE/logs"
readonly DESCRIPTION_ENV="$CACHE/cluster.env" DESCRIPTION_JSON="$CACHE/cluster.json"
# The host has room for one cluster (fixed addresses, links, netns): this machine-wide file names
# the cache whose cluster holds it, so an up or down from another cache (npm run ci:fresh's) never
# touches it. In /run: gone on reboot, with the processes it spoke for.
readonly OWNER_FILE="${CLUSTER_OWNER_FILE:-/run/calico-zero-trust-lab-cluster.owner}"

# ------------------------------------------------------------------------------------------ pins
readonly K8S_VERSION="v1.33.1"
readonly K8S_BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl"
readonly CALICO_MODULE="github.com/projectcalico/calico"
readonly CALICO_VERSION="v1.11.0-cni-plugin.0.20250813170300-a0db560f0520"
readonly COREDNS_VERSION="v1.15.0"

# ---------------------------------------------------------------------------- names and addresses
readonly NODE_NAME="czt-node"
readonly CONTEXT_NAME="czt-cluster"
# The node's address sits on OUT_IF, a veth whose peer OUTSIDE_IF is in netns OUTSIDE_NS, the world.
readonly OUT_IF="czt-out0" OUTSIDE_IF="czt-out1" OUTSIDE_NS="czt-outside"
# The addresses (NODE_IP, OUTSIDE_IP, NODE_NET, WORLD_IP, INTERNET_IP, INTERNET_PORT, POD_CIDR,
# SERVICE_CIDR, KUBERNETES_SVC_IP, DNS_IP), shared with the TypeScript: addresses.env.
# shellcheck source=addresses.env
. "$CLUSTER_DIR/addresses.env"
readonly NODE_IP OUTSIDE_IP NODE_NET WORLD_IP INTERNET_IP INTERNET_PORT POD_CIDR SERVICE_CIDR KUBERNETES_SVC_IP DNS_IP
# No dummy netdev on this kernel: Service addresses that escape DNAT die in a sink netns.
readonly SVC_IF="czt-svc0" SINK_IF="czt-svc1" SINK_NS="czt-sink"
# Non-default ports (but the API server's, bound to NODE_IP only): other users of the machine keep theirs.
readonly ETCD_CLIENT_PORT=22379 ETCD_PEER_PORT=22380
readonly APISERVER_PORT=6443 CALICO_APISERVER_PORT=15443
readonly KCM_PORT=20257 SCHEDULER_PORT=20259 KUBELET_PORT=20250 KUBELET_HEALTHZ_PORT=20248
readonly PROXY_HEALTHZ_PORT=20256 PROXY_METRICS_PORT=20249 FELIX_HEALTH_PORT=29099
# Leak-guard ip rules take these priorities (removed by priority on down).
readonly RULE_PRIORITIES="31000 31001 31002 31003"
# The smoke check's NodePort (outside the lab's).
readonly SMOKE_NODE_PORT=30999

# Images the cluster offers: name -> what it stands in for.
readonly IMAGE_PAUSE="lab.local/pause:1"
readonly IMAGE_COREDNS="lab.local/coredns:1"
readonly IMAGE_HELLOWORLD="lab.local/helloworld:1"
readonly IMAGE_BUSYBOX="docker.io/library/busybox:1.36"
readonly IMAGE_YAOBANK_PREFIX="docker.io/rezareza/yaobank-" IMAGE_YAOBANK_TAG="azure"

# Host paths the components write despite every flag (kubelet: device-plugins, /var/log/containers;
# Felix: /var/lib/calico/mtu; libcni: /var/lib/cni) or that Debian's packages
# would use: `up` records which of them existed, `down` removes the ones it created.
readonly HOST_PATHS="/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/calico /var/log/calico /var/lib/cni /run/calico
/var/run/calico /usr/libexec/kubernetes /etc/cni /opt/cni /opt/containerd /var/lib/containerd /run/containerd
/etc/kubernetes /run/netns"

# Sysctls that components set (kubelet: panic, panic_on_oops, overcommit; Felix and we: forwarding)
# or may set; `up` saves them, `down` restores those that changed.
readonly SYSCTL_PATTERN='^(kernel\.panic|kernel\.panic_on_oops|vm\.overcommit_memory|vm\.panic_on_oom|kernel\.keys\.root_max(keys|bytes)|net\.ipv4\.ip_forward|net\.ipv4\.conf\.(all|default|lo)\.|net\.ipv6\.conf\.(all|default)\.forwarding|net\.netfilter\.nf_conntrack_(max|tcp_timeout_established|tcp_timeout_close_wait)|net\.bridge\.|net\.ipv4\.ip_local_reserved_ports|net\.ipv4\.vs\.) '

# ---------------------------------------------------------------------------------------- helpers
SCRIPT_T0=$(date +%s)
readonly LOG_TAG=cluster
# say, warn, die, elapsed, go_environment, with_progress, stamp_key, prepare_wrapper
# shellcheck source=../lib/go-build.sh
source "$CLUSTER_DIR/../lib/go-build.sh"

# phase NAME: prints the previous phase's time, then NAME.
PHASE="" PHASE_T0=0
phase() {
  [[ -z "$PHASE" ]] || say "phase '$PHASE' took $(elapsed "$PHASE_T0")"
  PHASE="$1" PHASE_T0=$(date +%s)
  [[ -z "$PHASE" ]] || say "phase '$PHASE' ..."
}

# host_owner: the cache named by OWNER_FILE, if any.
host_owner() { cat "$OWNER_FILE" 2>/dev/null || true; }

# claim_host: makes this cache the host's cluster owner, or dies naming the cache that is.
claim_host() {
  local owner
  owner="$(host_owner)"
  if [[ -n "$owner" && "$owner" != "$CACHE" && ( -d "$owner/state" || -d "$owner/host" ) ]]; then
    die "the host's cluster belongs to $owner (its state is there): take it down first with: XDG_CACHE_HOME=${owner%/calico-zero-trust-lab/cluster} npm run cluster:down"
  fi
  mkdir -p "$(dirname "$OWNER_FILE")"
  echo "$CACHE" >"$OWNER_FILE"
}

need_root() { [[ "$(id -u)" == 0 ]] || die "must run as root: it starts host processes and changes iptables, routes and sysctls"; }

# wait_for DESC SECONDS CMD...: polls CMD every second until it succeeds; dies after SECONDS.
wait_for() {
  local desc="$1" limit="$2" t0
  shift 2
  t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if (($(date +%s) - t0 >= limit)); then die "timed out after ${limit}s waiting for $desc"; fi
    sleep 1
  done
  say "  $desc after $(elapsed "$t0")"
}

kubectl_() { "$BIN/kubectl" --kubeconfig "$PKI/admin.kubeconfig" "$@"; }

# The machine's uplinks: every interface up at `up` time that is not loopback nor ours.
uplinks() {
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
    grep -v -E '^(lo|czt-|cali|tunl0|vxlan\.calico|wireguard\.cali)' || true
}

is_running() { # NAME: the recorded process is alive
  local pidf="$RUN/$1.pid"
  [[ -f "$pidf" ]] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# render TEMPLATE OUT: replaces every @NAME@ with the shell variable NAME; an unknown name fails.
render() {
  local vars
  vars="$(grep -o '@[A-Z_]*@' "$1" | sort -u | tr -d '@')" || true
  (
    for v in $vars; do
      [[ -n "${!v+set}" ]] || die "render: $1 uses @$v@, which is not set"
      # shellcheck disable=SC2163 # exports the variable v names
      export "$v"
    done
    perl -pe 's/@([A-Z_]+)@/defined $ENV{$1} ? $ENV{$1} : die "unset $1\n"/ge' "$1"
  ) >"$2"
}

# start NAME CMD...: starts a host process in its own session, output to state/logs/NAME.log.
start() {
  local name="$1"
  shift
  setsid "$@" >>"$CLOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  say "  started $name (pid $!, log $CLOGS/$name.log)"
}
