#!/usr/bin/env bash
# Makes a short-lived bootstrap token on the master (a Secret of type bootstrap.kubernetes.io/token
# in kube-system, as `kubeadm token create` does) and prints the bootstrap kubeconfig a worker's
# agent starts from: it carries only that token, which the agent exchanges for its own client
# certificate (a CertificateSigningRequest the controller manager approves and signs). Run by
# Pulumi over SSH as root, once per worker install; install-master.sh put it and bootstrap.env here.
set -euo pipefail
ttl_seconds="${KUBELAB_BOOTSTRAP_TTL_SECONDS:-3600}"
ROOT="${KUBELAB_ROOT:-}"
etc="$ROOT/etc/kubelab"
# shellcheck source=/dev/null
. "$etc/bootstrap.env"
admin_token="$(sed -n '1s/,.*//p' "$etc/tokens.csv")"
id="$(openssl rand -hex 3)"
secret="$(openssl rand -hex 8)"
expiration="$(date -u -d "+$ttl_seconds seconds" +%Y-%m-%dT%H:%M:%SZ)"
body=$(cat <<JSON
{"apiVersion":"v1","kind":"Secret","type":"bootstrap.kubernetes.io/token",
 "metadata":{"name":"bootstrap-token-$id","namespace":"kube-system"},
 "stringData":{"token-id":"$id","token-secret":"$secret","expiration":"$expiration",
  "usage-bootstrap-authentication":"true","description":"kubelab GCE: a worker's TLS bootstrap"}}
JSON
)
curl -fsS --max-time 10 --cacert "$etc/tls.crt" -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json" \
  -X POST --data "$body" "$KUBELAB_LOCAL_API/api/v1/namespaces/kube-system/secrets" >/dev/null
cat <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: kubelab
  cluster:
    server: $KUBELAB_BOOTSTRAP_SERVER
    certificate-authority-data: $(base64 -w0 "$etc/tls.crt")
users:
- name: system:bootstrap:$id
  user:
    token: $id.$secret
contexts:
- name: kubelab
  context:
    cluster: kubelab
    user: system:bootstrap:$id
current-context: kubelab
KUBECONFIG
