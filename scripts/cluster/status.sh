#!/usr/bin/env bash
# npm run cluster:status: is the real cluster up and working? Checks the host processes, node Ready,
# CoreDNS Ready, APIService v3.projectcalico.org Available, then a smoke pod (the program's
# restricted settings, image lab.local/helloworld:1) gets an IP, resolves a Service name through
# kube-dns, and answers through a NodePort from the outside netns. Exit 0 only if all pass.
# `up` runs it as its last phase.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

FAILED=0
check() { # DESC CMD...
  local desc="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    say "  ok    $desc${out:+: $(head -c 200 <<<"$out" | tr '\n' ' ')}"
  else
    say "  FAIL  $desc: $(tail -c 300 <<<"$out" | tr '\n' ' ')"
    FAILED=1
  fi
}

[[ -d "$STATE" ]] || { say "not up (no $STATE); start it with: npm run cluster:up"; exit 1; }
say "status of the cluster in $STATE"
for p in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet calico-felix kube-proxy calico-apiserver internet world-dns; do
  check "process $p" is_running "$p"
done
check "node $NODE_NAME Ready" kubectl_ wait --for condition=Ready --timeout=30s "node/$NODE_NAME"
check "CoreDNS Available" kubectl_ -n kube-system wait --for condition=Available --timeout=60s deployment/coredns
check "APIService v3.projectcalico.org Available" kubectl_ wait --for condition=Available --timeout=30s apiservice/v3.projectcalico.org
check "projectcalico.org/v3 serves HostEndpoints" kubectl_ get hostendpoints.projectcalico.org -o name
check "Felix ready" curl -fsS --max-time 3 "http://127.0.0.1:$FELIX_HEALTH_PORT/readiness"

smoke_pod_ip() { kubectl_ -n czt-smoke get pod hello -o jsonpath='{.status.podIP}' | grep -E '^10\.244\.'; }
smoke_nodeport() {
  ip netns exec "$OUTSIDE_NS" curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' \
    -d '{"sender":"smoke"}' "http://$NODE_IP:$SMOKE_NODE_PORT/api/messages" | grep -x 'Hello smoke (direct)'
}
# A new pod's traffic is dropped until Felix has programmed its workload endpoint (a second or so
# after Ready): the connect is retried for up to about 15 s. The Service has a new name on every run
# (SMOKE_SERVICE): CoreDNS caches answers for 30 s, and a re-created Service gets a new ClusterIP.
smoke_dns() {
  kubectl_ -n czt-smoke run dns --image "$IMAGE_BUSYBOX" --restart=Never --rm -i --quiet \
    --overrides='{"spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":65534,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"dns","image":"'"$IMAGE_BUSYBOX"'","command":["sh","-c","nslookup '"$SMOKE_SERVICE"'.czt-smoke.svc.cluster.local '"$DNS_IP"' && for i in 1 2 3 4 5; do /bin/nc -z -w 2 '"$SMOKE_SERVICE"' 8080 && echo reached && exit 0; sleep 1; done; exit 1"],"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}' |
    grep -x reached
}
if ((FAILED == 0)); then
  SMOKE_SERVICE="hello-$(date +%s)"
  render "$CLUSTER_DIR/manifests/smoke.yaml" "$ETC/smoke.yaml"
  kubectl_ delete namespace czt-smoke --ignore-not-found --wait=true --timeout=60s >/dev/null 2>&1
  check "smoke: apply $ETC/smoke.yaml" kubectl_ apply -f "$ETC/smoke.yaml"
  check "smoke: pod Ready" kubectl_ -n czt-smoke wait --for condition=Ready --timeout=90s pod/hello
  check "smoke: pod has an IP from $POD_CIDR" smoke_pod_ip
  check "smoke: probe image resolves the Service via kube-dns and connects" smoke_dns
  check "smoke: NodePort $NODE_IP:$SMOKE_NODE_PORT answers from netns $OUTSIDE_NS" smoke_nodeport
  kubectl_ delete namespace czt-smoke --wait=false >/dev/null 2>&1
fi
if ((FAILED)); then
  say "status: FAILED (component logs in $CLOGS)"
  exit 1
fi
say "status: all checks passed (KUBECONFIG=$PKI/admin.kubeconfig, description $DESCRIPTION_ENV)"
