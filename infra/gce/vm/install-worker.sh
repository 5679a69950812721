#!/usr/bin/env bash
# Installs (or updates) the kubelab agent on a worker; run by Pulumi over SSH as root after the
# files were copied to the staging folder. The bootstrap kubeconfig comes on stdin (it carries
# only a short-lived bootstrap token; the agent exchanges it for the node's own certificate, kept
# in /var/lib/kubelab/agent). Idempotent: the bundle and unit are replaced and the service restarted.
# KUBELAB_ROOT and SYSTEMCTL exist for the tests, which run it in a temp root.
set -euo pipefail

usage() { echo "usage: $0 --staging DIR [--version V] --node-name NAME --address IP --pod-cidr CIDR [--cluster-pod-range CIDR] [--network NAME] < bootstrap.kubeconfig" >&2; exit 2; }
staging="" version="0.1.0" node_name="" address="" pod_cidr="" cluster_range="" network="kubelab"
while [ $# -gt 0 ]; do
  case "$1" in
    --staging) staging="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --node-name) node_name="$2"; shift 2 ;;
    --address) address="$2"; shift 2 ;;
    --pod-cidr) pod_cidr="$2"; shift 2 ;;
    --cluster-pod-range) cluster_range="$2"; shift 2 ;;
    --network) network="$2"; shift 2 ;;
    *) usage ;;
  esac
done
if [ -z "$staging" ] || [ -z "$node_name" ] || [ -z "$address" ] || [ -z "$pod_cidr" ]; then usage; fi
# Default: the /16 that holds this node's /24 (10.200.1.0/24 -> 10.200.0.0/16).
[ -n "$cluster_range" ] || cluster_range="$(echo "$pod_cidr" | cut -d. -f1-2).0.0/16"

ROOT="${KUBELAB_ROOT:-}"
SYSTEMCTL="${SYSTEMCTL:-systemctl}"
etc="$ROOT/etc/kubelab"
opt="$ROOT/opt/kubelab"

bash "$staging/install-node.sh"

install -d -m 0755 "$opt" "$etc" "$etc/manifests" "$ROOT/var/lib/kubelab/agent"
install -m 0644 "$staging/kubelab.mjs" "$opt/kubelab.mjs.new"
mv "$opt/kubelab.mjs.new" "$opt/kubelab.mjs"
install -m 0755 "$staging/allow-pod-traffic.sh" "$opt/allow-pod-traffic.sh"

kubeconfig="$(cat)"
case "$kubeconfig" in
  *"kind: Config"*) ;;
  *) echo "install-worker: no kubeconfig on stdin" >&2; exit 1 ;;
esac
(umask 077 && printf '%s\n' "$kubeconfig" > "$etc/bootstrap.kubeconfig")
# The per-node token kubeconfig of older installs goes.
rm -f "$etc/node.kubeconfig"

cat > "$etc/agent.env" <<ENV
KUBELAB_NODE_NAME=$node_name
KUBELAB_NODE_ADDRESS=$address
KUBELAB_POD_CIDR=$pod_cidr
KUBELAB_CLUSTER_POD_RANGE=$cluster_range
KUBELAB_NETWORK=$network
KUBELAB_VERSION=$version
ENV
chmod 0644 "$etc/agent.env"

install -d "$ROOT/etc/systemd/system"
install -m 0644 "$staging/kubelab-agent.service" "$ROOT/etc/systemd/system/kubelab-agent.service"
"$SYSTEMCTL" daemon-reload
"$SYSTEMCTL" enable kubelab-agent.service
"$SYSTEMCTL" restart kubelab-agent.service
"$SYSTEMCTL" is-active --quiet kubelab-agent.service
echo "install-worker: agent $node_name started (pod CIDR $pod_cidr)"
