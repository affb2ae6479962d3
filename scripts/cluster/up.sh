#!/usr/bin/env bash
# npm run cluster:up: a single-node Kubernetes v1.33.1 cluster with Calico, as host processes on this
# machine (no Docker, no image pull), for the real-cluster tier. docs/cluster.md "A real cluster on
# this machine" explains the layout; scripts/cluster/down.sh undoes everything this changes.
#
# Phases: packages (apt-get what is missing), build (build.sh: stamps, warm in seconds), record (the
# host as found), network (veths, netns, routes, rules, leak guards), pki, control plane (etcd,
# kube-apiserver, controller-manager, scheduler), Calico data (CRDs, ClusterInformation, IPPool,
# FelixConfiguration), node (containerd + images, kubelet, Felix, kube-proxy), Calico API server,
# CoreDNS, host endpoint, smoke check, description (cluster.env / cluster.json).
#
# Already up: prints the status and exits 0. A half-started cluster is taken down first.
set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$CLUSTER_DIR/pki.sh"
source "$CLUSTER_DIR/../lib/packages.sh"
need_root

phase_packages() { ensure_packages cluster:up $CLUSTER_RUN_PACKAGES; }

# What down needs to put the host back: sysctls, which host paths and cgroups existed, a snapshot.
phase_record() {
  mkdir -p "$HOSTREC"
  sysctl -a 2>/dev/null | grep -E "$SYSCTL_PATTERN" >"$HOSTREC/sysctls" || true
  : >"$HOSTREC/paths-existing"
  local p
  for p in $HOST_PATHS /run/xtables.lock; do [[ ! -e "$p" ]] || echo "$p" >>"$HOSTREC/paths-existing"; done
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort >"$HOSTREC/cgroups"
  uplinks >"$HOSTREC/uplinks"
  bash "$CLUSTER_DIR/snapshot.sh" "$HOSTREC/before"
  say "record: host state saved in $HOSTREC (uplinks: $(tr '\n' ' ' <"$HOSTREC/uplinks"))"
}

phase_network() {
  ip link add "$OUT_IF" type veth peer name "$OUTSIDE_IF"
  ip netns add "$OUTSIDE_NS"
  ip link set "$OUTSIDE_IF" netns "$OUTSIDE_NS"
  ip addr add "$NODE_IP/24" dev "$OUT_IF"
  ip link set "$OUT_IF" up
  ip -n "$OUTSIDE_NS" addr add "$OUTSIDE_IP/24" dev "$OUTSIDE_IF"
  ip -n "$OUTSIDE_NS" addr add "$WORLD_IP/32" dev "$OUTSIDE_IF"
  ip -n "$OUTSIDE_NS" addr add "$INTERNET_IP/32" dev "$OUTSIDE_IF"
  ip -n "$OUTSIDE_NS" link set "$OUTSIDE_IF" up
  ip -n "$OUTSIDE_NS" link set lo up
  # The world knows the node and, through it, the pods (replies); no default route.
  ip -n "$OUTSIDE_NS" route add "$POD_CIDR" via "$NODE_IP"
  ip route add "$WORLD_IP/32" via "$OUTSIDE_IP" dev "$OUT_IF"
  ip route add "$INTERNET_IP/32" via "$OUTSIDE_IP" dev "$OUT_IF"
  # Service addresses that escape DNAT die in a sink netns (no dummy netdev on this kernel).
  ip link add "$SVC_IF" type veth peer name "$SINK_IF"
  ip netns add "$SINK_NS"
  ip link set "$SINK_IF" netns "$SINK_NS"
  ip link set "$SVC_IF" up
  ip -n "$SINK_NS" link set "$SINK_IF" up
  ip route add "$SERVICE_CIDR" dev "$SVC_IF"
  ip route add blackhole "$POD_CIDR"
  # Leak guards: forwarded cluster traffic never takes the default route ...
  # shellcheck disable=SC2206 # a list of numbers, split on purpose
  local prio=(${RULE_PRIORITIES})
  ip rule add pref "${prio[0]}" from "$POD_CIDR" lookup main suppress_prefixlength 0
  ip rule add pref "${prio[1]}" from "$POD_CIDR" unreachable
  ip rule add pref "${prio[2]}" from "$NODE_NET" lookup main suppress_prefixlength 0
  ip rule add pref "${prio[3]}" from "$NODE_NET" unreachable
  # ... so the host needs its own route to the pods' gateway 169.254.1.1 to proxy-ARP for it.
  ip route add 169.254.1.1/32 dev "$SVC_IF"
  # ... and nothing with a cluster address leaves by an uplink.
  iptables -t mangle -N CZT-LEAK-GUARD
  iptables -t mangle -A POSTROUTING -m comment --comment "czt: leak guard" -j CZT-LEAK-GUARD
  local up
  while read -r up; do
    [[ -n "$up" ]] || continue
    iptables -t mangle -A CZT-LEAK-GUARD -o "$up" -s "$POD_CIDR" -j DROP
    iptables -t mangle -A CZT-LEAK-GUARD -o "$up" -s "$NODE_NET" -j DROP
    iptables -t mangle -A CZT-LEAK-GUARD -o "$up" -d "$POD_CIDR" -j DROP
    iptables -t mangle -A CZT-LEAK-GUARD -o "$up" -d "$SERVICE_CIDR" -j DROP
  done <"$HOSTREC/uplinks"
  sysctl -qw net.ipv4.ip_forward=1
  # The world's internet: something answers on INTERNET_IP:443 inside the outside netns.
  start internet ip netns exec "$OUTSIDE_NS" socat "TCP-LISTEN:$INTERNET_PORT,bind=$INTERNET_IP,fork,reuseaddr" OPEN:/dev/null
  # ... and its public resolver on INTERNET_IP:53 (UDP and TCP, every name NXDOMAIN): kube-dns's upstream.
  start world-dns ip netns exec "$OUTSIDE_NS" "$BIN/world-dns" -listen "$INTERNET_IP:53"
  say "network: node $NODE_IP on $OUT_IF, world netns $OUTSIDE_NS ($OUTSIDE_IP, $WORLD_IP, internet $INTERNET_IP:$INTERNET_PORT and DNS $INTERNET_IP:53)"
}

apiserver_ready() { curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://$NODE_IP:$APISERVER_PORT/readyz" >/dev/null; }

phase_control_plane() {
  mkdir -p "$DATA/etcd"
  start etcd etcd --name czt --data-dir "$DATA/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "czt=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" --enable-v2=false
  wait_for "etcd healthy" 60 curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767 \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file "$PKI/ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true --profiling=false
  wait_for "kube-apiserver /readyz" 120 apiserver_ready
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PKI/kube-controller-manager.kubeconfig" --authorization-kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" --root-ca-file "$PKI/ca.crt" \
    --service-account-private-key-file "$PKI/sa.key" --use-service-account-credentials=true \
    --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false \
    --flex-volume-plugin-dir "$DATA/kcm-flexvolume" --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$PKI/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$PKI/kube-scheduler.kubeconfig" --authorization-kubeconfig "$PKI/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false
  wait_for "namespace default" 60 kubectl_ get namespace default
}

phase_calico_data() {
  local crds
  crds="$(cd "$BUILD/calico" && GOFLAGS=-mod=mod GOMODCACHE="$CACHE/gomodcache" GOTOOLCHAIN=local GOWORK=off GOSUMDB=off go list -m -f '{{.Dir}}' "$CALICO_MODULE")/libcalico-go/config/crd"
  [[ -d "$crds" ]] || die "calico: no CRDs at $crds"
  kubectl_ apply --server-side -f "$crds" >"$CLOGS/calico-crds.log"
  wait_for "Calico CRDs established" 60 kubectl_ wait --for condition=established --timeout=2s crd/ippools.crd.projectcalico.org crd/clusterinformations.crd.projectcalico.org crd/felixconfigurations.crd.projectcalico.org crd/hostendpoints.crd.projectcalico.org
  render "$CLUSTER_DIR/manifests/calico-resources.yaml" "$ETC/calico-resources.yaml"
  kubectl_ apply -f "$ETC/calico-resources.yaml" >>"$CLOGS/calico-crds.log"
  say "calico: $(ls "$crds" | wc -l) CRDs, ClusterInformation (datastoreReady), IPPool $POD_CIDR, FelixConfiguration"
}

phase_node() {
  # CNI: calico (also calico-ipam, by its name) plus Debian's loopback and portmap.
  mkdir -p "$STATE/cni/bin" "$ETC/cni/net.d" "$RUN/calico" "$RUN/runc" "$DATA/pod-logs"
  ln -sf "$BIN/calico-cni" "$STATE/cni/bin/calico"
  ln -sf "$BIN/calico-cni" "$STATE/cni/bin/calico-ipam"
  ln -sf /usr/lib/cni/loopback "$STATE/cni/bin/loopback"
  ln -sf /usr/lib/cni/portmap "$STATE/cni/bin/portmap"
  # The CNI plugin refuses to run until the node name file (calico-node's job) exists.
  echo "$NODE_NAME" >"$RUN/calico/nodename"
  render "$CLUSTER_DIR/config/10-calico.conflist" "$ETC/cni/net.d/10-calico.conflist"
  render "$CLUSTER_DIR/config/containerd.toml" "$ETC/containerd.toml"
  : >"$ETC/resolv.conf"
  start containerd containerd --config "$ETC/containerd.toml"
  wait_for "containerd socket" 60 ctr --address "$RUN/containerd.sock" version
  local tar
  for tar in "$IMAGES"/*.tar; do
    ctr --address "$RUN/containerd.sock" -n k8s.io images import --no-unpack=false "$tar" >>"$CLOGS/images.log" 2>&1 ||
      die "images: step 'ctr images import $tar' failed (see $CLOGS/images.log)"
  done
  say "  imported $(ls "$IMAGES"/*.tar | wc -l) images"
  render "$CLUSTER_DIR/config/kubelet.yaml" "$ETC/kubelet.yaml"
  start kubelet "$BIN/kubelet" --config "$ETC/kubelet.yaml" --kubeconfig "$PKI/kubelet.kubeconfig" \
    --root-dir "$DATA/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  wait_for "node $NODE_NAME registered" 120 kubectl_ get node "$NODE_NAME"
  render "$CLUSTER_DIR/config/felix.env" "$ETC/felix.env"
  # shellcheck disable=SC2046 # one KEY=VALUE word per line of felix.env, split on purpose
  start calico-felix env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $(grep -v '^#' "$ETC/felix.env") "$BIN/calico-felix"
  wait_for "Felix ready" 120 curl -fsS --max-time 2 "http://127.0.0.1:$FELIX_HEALTH_PORT/readiness"
  render "$CLUSTER_DIR/config/kube-proxy.yaml" "$ETC/kube-proxy.yaml"
  start kube-proxy "$BIN/kube-proxy" --config "$ETC/kube-proxy.yaml"
  wait_for "kube-proxy healthy" 60 curl -fsS --max-time 2 "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz"
  wait_for "node $NODE_NAME Ready" 120 kubectl_ wait --for condition=Ready --timeout=2s "node/$NODE_NAME"
}

phase_calico_apiserver() {
  mkdir -p "$DATA/calico-apiserver"
  (cd "$DATA/calico-apiserver" && start calico-apiserver env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DATASTORE_TYPE=kubernetes KUBECONFIG="$PKI/admin.kubeconfig" "$BIN/calico-apiserver" \
    --secure-port "$CALICO_APISERVER_PORT" --bind-address "$NODE_IP" \
    --tls-cert-file "$PKI/calico-apiserver.crt" --tls-private-key-file "$PKI/calico-apiserver.key" \
    --kubeconfig "$PKI/admin.kubeconfig" --authentication-kubeconfig "$PKI/admin.kubeconfig" \
    --authorization-kubeconfig "$PKI/admin.kubeconfig" --profiling=false)
  # shellcheck disable=SC2034 # @CA_BUNDLE@ in the manifest (render exports it)
  CA_BUNDLE="$(base64 -w0 <"$PKI/ca.crt")"
  render "$CLUSTER_DIR/manifests/calico-apiserver.yaml" "$ETC/calico-apiserver.yaml"
  kubectl_ apply -f "$ETC/calico-apiserver.yaml" >"$CLOGS/calico-apiserver-apply.log" 2>&1
  wait_for "APIService v3.projectcalico.org Available" 120 kubectl_ wait --for condition=Available --timeout=2s apiservice/v3.projectcalico.org
}

phase_coredns() {
  render "$CLUSTER_DIR/manifests/coredns.yaml" "$ETC/coredns.yaml"
  kubectl_ apply -f "$ETC/coredns.yaml" >"$CLOGS/coredns-apply.log"
  wait_for "CoreDNS Ready" 180 kubectl_ -n kube-system wait --for condition=Available --timeout=2s deployment/coredns
}

# A HostEndpoint on the interface that faces the world, shaped like Calico's automatic host endpoints
# (kube-controllers: the node's labels, expectedIPs, profile projectcalico-default-allow) but named
# for one interface: never `*` or the uplink, which would cut this machine off.
phase_host_endpoint() {
  local labels
  labels="$(kubectl_ get node "$NODE_NAME" -o go-template='{{range $k, $v := .metadata.labels}}    {{$k}}: "{{$v}}"{{"\n"}}{{end}}')"
  cat >"$ETC/host-endpoint.yaml" <<EOF
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: $NODE_NAME-$OUT_IF
  labels:
$labels
    lab.calico-zero-trust/created-by: cluster-up
spec:
  node: $NODE_NAME
  interfaceName: $OUT_IF
  expectedIPs: [$NODE_IP]
  profiles: [projectcalico-default-allow]
EOF
  kubectl_ apply -f "$ETC/host-endpoint.yaml" >"$CLOGS/host-endpoint.log"
  say "host endpoint: $NODE_NAME-$OUT_IF on $OUT_IF ($NODE_IP), the node's labels, profile projectcalico-default-allow"
}

phase_describe() {
  local images
  images="$IMAGE_HELLOWORLD ${IMAGE_YAOBANK_PREFIX}customer:$IMAGE_YAOBANK_TAG ${IMAGE_YAOBANK_PREFIX}summary:$IMAGE_YAOBANK_TAG ${IMAGE_YAOBANK_PREFIX}database:$IMAGE_YAOBANK_TAG $IMAGE_BUSYBOX $IMAGE_COREDNS $IMAGE_PAUSE"
  cat >"$DESCRIPTION_ENV.tmp" <<EOF
# The running real cluster (written by scripts/cluster/up.sh; removed by down.sh). Shell-sourceable.
CLUSTER_KUBECONFIG=$PKI/admin.kubeconfig
CLUSTER_CONTEXT=$CONTEXT_NAME
CLUSTER_KUBECTL=$BIN/kubectl
CLUSTER_NODE_NAME=$NODE_NAME
CLUSTER_NODE_ADDRESS=$NODE_IP
CLUSTER_API_SERVER=https://$NODE_IP:$APISERVER_PORT
CLUSTER_OUTSIDE_NETNS=$OUTSIDE_NS
CLUSTER_OUTSIDE_ADDRESS=$OUTSIDE_IP
CLUSTER_WORLD_ADDRESS=$WORLD_IP
CLUSTER_INTERNET_ADDRESS=$INTERNET_IP
CLUSTER_HOST_ENDPOINT=$NODE_NAME-$OUT_IF
CLUSTER_HOST_ENDPOINT_INTERFACE=$OUT_IF
CLUSTER_POD_CIDR=$POD_CIDR
CLUSTER_FELIX_READINESS=http://127.0.0.1:$FELIX_HEALTH_PORT/readiness
CLUSTER_FELIX_LOG=$CLOGS/calico-felix.log
CLUSTER_SERVICE_CIDR=$SERVICE_CIDR
CLUSTER_DNS_ADDRESS=$DNS_IP
CLUSTER_HELLOWORLD_IMAGE=$IMAGE_HELLOWORLD
CLUSTER_YAOBANK_IMAGES=${IMAGE_YAOBANK_PREFIX}{app}:$IMAGE_YAOBANK_TAG
CLUSTER_PROBE_IMAGE=$IMAGE_BUSYBOX
CLUSTER_IMAGES="$images"
CLUSTER_CONTAINERD_ADDRESS=$RUN/containerd.sock
EOF
  mv -f "$DESCRIPTION_ENV.tmp" "$DESCRIPTION_ENV"
  # The same as JSON, from the env file (one source).
  (
    set -a
    # shellcheck source=/dev/null # written just above
    source "$DESCRIPTION_ENV"
    jq -n '{kubeconfig: env.CLUSTER_KUBECONFIG, context: env.CLUSTER_CONTEXT, kubectl: env.CLUSTER_KUBECTL, nodeName: env.CLUSTER_NODE_NAME,
      nodeAddress: env.CLUSTER_NODE_ADDRESS, apiServer: env.CLUSTER_API_SERVER,
      outsideNetns: env.CLUSTER_OUTSIDE_NETNS, outsideAddress: env.CLUSTER_OUTSIDE_ADDRESS,
      worldAddress: env.CLUSTER_WORLD_ADDRESS, internetAddress: env.CLUSTER_INTERNET_ADDRESS,
      hostEndpoint: {name: env.CLUSTER_HOST_ENDPOINT, interfaceName: env.CLUSTER_HOST_ENDPOINT_INTERFACE},
      podCidr: env.CLUSTER_POD_CIDR, serviceCidr: env.CLUSTER_SERVICE_CIDR, dnsAddress: env.CLUSTER_DNS_ADDRESS,
      images: {helloworld: env.CLUSTER_HELLOWORLD_IMAGE, yaobank: env.CLUSTER_YAOBANK_IMAGES, probe: env.CLUSTER_PROBE_IMAGE,
               all: (env.CLUSTER_IMAGES | split(" "))}, containerdAddress: env.CLUSTER_CONTAINERD_ADDRESS}'
  ) >"$DESCRIPTION_JSON"
  say "description: $DESCRIPTION_ENV and $DESCRIPTION_JSON"
}

# ------------------------------------------------------------------------------------------- main
main() {
  T0=$(date +%s)
  if is_running kube-apiserver && apiserver_ready; then
    say "already up; status:"
    exec bash "$CLUSTER_DIR/status.sh"
  fi
  claim_host
  if [[ -d "$STATE" ]]; then
    say "a previous cluster's state is in $STATE: taking it down first"
    bash "$CLUSTER_DIR/down.sh"
  fi
  trap 'say "up FAILED in phase '"'"'$PHASE'"'"' after $(elapsed $T0); logs: $CLOGS; undo with: npm run cluster:down"' ERR
  phase packages
  phase_packages
  phase build
  bash "$CLUSTER_DIR/build.sh"
  phase record
  phase_record
  mkdir -p "$PKI" "$ETC" "$DATA" "$RUN" "$CLOGS"
  phase network
  phase_network
  phase pki
  make_pki
  phase "control plane"
  phase_control_plane
  phase "calico data"
  phase_calico_data
  phase node
  phase_node
  phase "calico api server"
  phase_calico_apiserver
  phase coredns
  phase_coredns
  phase "host endpoint"
  phase_host_endpoint
  phase describe
  phase_describe
  phase smoke
  bash "$CLUSTER_DIR/status.sh"
  phase ""
  say "cluster up in $(elapsed "$T0"): KUBECONFIG=$PKI/admin.kubeconfig (context $CONTEXT_NAME); description $DESCRIPTION_ENV"
}

# Sourced (tests, debugging a phase): functions only.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
