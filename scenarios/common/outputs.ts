// What every scenario's "try it" output starts with.

/** The shell assignment of $NODE_IP (the first node's InternalIP) that every "try it" command uses. */
export const NODE_IP_COMMAND = "NODE_IP=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type==\"InternalIP\")].address}')";
