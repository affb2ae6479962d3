# shellcheck shell=bash
# Certificates and kubeconfigs of the cluster (openssl), in $PKI. Sourced by up.sh.
# One CA signs everything, the front-proxy client included; the service-account key is RSA.

# cert NAME CN ORG [SANS]: a key and a certificate signed by the CA; SANS like "IP:1.2.3.4,DNS:x".
cert() {
  local name="$1" cn="$2" org="$3" sans="${4:-}" ext="$PKI/$1.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$sans" ]]; then echo "extendedKeyUsage=serverAuth,clientAuth"; else echo "extendedKeyUsage=clientAuth"; fi
    [[ -z "$sans" ]] || echo "subjectAltName=$sans"
  } >"$ext"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "/CN=$cn${org:+/O=$org}" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# kubeconfig NAME CERT: a kubeconfig for the API server at NODE_IP with the client certificate CERT.
kubeconfig() {
  cat >"$PKI/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT_NAME
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://$NODE_IP:$APISERVER_PORT
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: $CONTEXT_NAME
  context: {cluster: $CONTEXT_NAME, user: $2}
current-context: $CONTEXT_NAME
EOF
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=calico-zero-trust-lab-ca" -days 30 -sha256 -out "$PKI/ca.crt" 2>/dev/null
  cert apiserver kube-apiserver "" \
    "IP:$NODE_IP,IP:127.0.0.1,IP:$KUBERNETES_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert admin kubernetes-admin system:masters
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert front-proxy-client front-proxy-client ""
  cert kube-controller-manager system:kube-controller-manager ""
  cert kube-scheduler system:kube-scheduler ""
  cert kube-proxy system:kube-proxy ""
  cert kubelet "system:node:$NODE_NAME" system:nodes
  cert kubelet-serving "system:node:$NODE_NAME" system:nodes "IP:$NODE_IP,DNS:$NODE_NAME"
  cert calico-apiserver calico-api "" "IP:$NODE_IP,DNS:calico-api.calico-apiserver.svc,DNS:calico-api.calico-apiserver.svc.cluster.local"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  local who
  for who in admin kube-controller-manager kube-scheduler kube-proxy kubelet; do kubeconfig "$who" "$who"; done
}
