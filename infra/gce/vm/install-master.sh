#!/usr/bin/env bash
# Installs (or updates) kubelab's control plane on the master; run by Pulumi over SSH as root
# after the files were copied to the staging folder. Idempotent: the token, the certificate and
# the git repository are made once and kept; the bundle and the unit are replaced and the
# service restarted. KUBELAB_ROOT and SYSTEMCTL exist for the tests, which run it in a temp root.
set -euo pipefail

usage() { echo "usage: $0 --staging DIR [--version V] --public-ip IP --internal-ip IP --git-user USER [--workers 'NAME ...'] [--git-url URL] [--listen HOST:PORT]" >&2; exit 2; }
staging="" version="0.1.0" public_ip="" internal_ip="" git_user="" git_url="" listen="0.0.0.0:6443"
while [ $# -gt 0 ]; do
  case "$1" in
    --staging) staging="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --public-ip) public_ip="$2"; shift 2 ;;
    --internal-ip) internal_ip="$2"; shift 2 ;;
    --git-user) git_user="$2"; shift 2 ;;
    --git-url) git_url="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --workers) shift 2 ;; # older callers named the workers; they bootstrap now
    *) usage ;;
  esac
done
if [ -z "$staging" ] || [ -z "$public_ip" ] || [ -z "$internal_ip" ] || [ -z "$git_user" ]; then usage; fi

ROOT="${KUBELAB_ROOT:-}"
SYSTEMCTL="${SYSTEMCTL:-systemctl}"
etc="$ROOT/etc/kubelab"
opt="$ROOT/opt/kubelab"
repo="$ROOT/srv/git/lab.git"
port="${listen##*:}"
local_host="${listen%:*}"
case "$local_host" in 0.0.0.0|"") local_host=127.0.0.1 ;; esac
say() { echo "install-master: $*"; }

bash "$staging/install-node.sh"

# The bundle, and beside it the store modules it loads unbundled (node_modules: better-sqlite3,
# native; etcd3 and gRPC for --store etcd).
install -d -m 0755 "$opt"
install -m 0644 "$staging/kubelab.mjs" "$opt/kubelab.mjs.new"
rm -rf "$opt/node_modules.new"
mkdir "$opt/node_modules.new"
tar -xzf "$staging/native-modules.tar.gz" -C "$opt/node_modules.new" --strip-components=1 --no-same-owner
rm -rf "$opt/node_modules"
mv "$opt/node_modules.new" "$opt/node_modules"
mv "$opt/kubelab.mjs.new" "$opt/kubelab.mjs"

# Bearer tokens: the admin only (also used by the server's own components). Workers get no
# credential made here: each bootstraps its own client certificate (system:node:<name>) from a
# short-lived bootstrap token that bootstrap-token.sh makes per worker install, signed by the
# cluster CA below, so no node credential ever reaches Pulumi's state. (Per-node token lines of
# older installs are dropped.) --workers is accepted for older callers and not needed.
install -d -m 0755 "$etc"
umask 077
if [ ! -s "$etc/tokens.csv" ]; then
  printf '%s,admin,admin,"system:masters"\n' "$(openssl rand -hex 32)" > "$etc/tokens.csv"
  say "generated the admin token"
fi
if grep -q ',system:node:' "$etc/tokens.csv"; then
  grep -v ',system:node:' "$etc/tokens.csv" > "$etc/tokens.csv.new" && mv "$etc/tokens.csv.new" "$etc/tokens.csv"
fi
# The cluster CA: client certificates it signs log in as their CN/O (--client-ca-file), and the
# controller manager's CSR signer issues the nodes' certificates with it (--cluster-signing-*).
if [ ! -s "$etc/ca.crt" ] || [ ! -s "$etc/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=kubelab-cluster-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" \
    -keyout "$etc/ca.key" -out "$etc/ca.crt" 2>/dev/null
  say "generated the cluster CA"
fi
[ -s "$etc/webhook-token" ] || openssl rand -hex 32 > "$etc/webhook-token"
# What the API server presents to the agents, which check it with a TokenReview (--kubelet-client-token-file).
[ -s "$etc/kubelet-client-token" ] || openssl rand -hex 32 > "$etc/kubelet-client-token"
# The key ServiceAccount tokens are signed and checked with (one for every API server).
[ -s "$etc/service-account.key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$etc/service-account.key" 2>/dev/null
admin_token="$(sed -n '1s/,.*//p' "$etc/tokens.csv")"

# TLS: a self-signed certificate for the API server, valid for the static external IP, the
# internal IP and loopback. Kept while its addresses stay the same.
san="IP:$public_ip,IP:$internal_ip,IP:127.0.0.1,DNS:localhost,DNS:kubelab-master"
if [ ! -s "$etc/tls.crt" ] || [ "$(cat "$etc/tls.san" 2>/dev/null)" != "$san" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=kubelab-apiserver" \
    -addext "subjectAltName=$san" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$etc/tls.key" -out "$etc/tls.crt" 2>/dev/null
  echo "$san" > "$etc/tls.san"
  say "generated the API server certificate for $san"
fi
chmod 0644 "$etc/tls.crt"

kubeconfig() { # server token user
  cat <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: kubelab
  cluster:
    server: $1
    certificate-authority-data: $(base64 -w0 "$etc/tls.crt")
users:
- name: $3
  user:
    token: $2
contexts:
- name: kubelab
  context:
    cluster: kubelab
    user: $3
    namespace: default
current-context: kubelab
KUBECONFIG
}
kubeconfig "https://$public_ip:$port" "$admin_token" admin > "$etc/admin.kubeconfig"
# Per-node kubeconfigs of older installs go: workers bootstrap (bootstrap-token.sh).
rm -rf "$etc/nodes" "$etc/node.kubeconfig"
cat > "$etc/bootstrap.env" <<ENV
KUBELAB_BOOTSTRAP_SERVER=https://$internal_ip:$port
KUBELAB_LOCAL_API=https://$local_host:$port
ENV
install -m 0755 "$staging/bootstrap-token.sh" "$opt/bootstrap-token.sh"
umask 022

# The git repository users push to (unless the stack names an external one).
if [ -n "$git_url" ]; then
  gitops_repo="$git_url"
else
  gitops_repo="/srv/git/lab.git#main"
  if [ ! -d "$repo" ]; then
    install -d -m 0755 "$(dirname "$repo")"
    git init -q --bare --initial-branch=main "$repo"
    say "created the git repository $repo"
  fi
  install -m 0755 "$staging/post-receive" "$repo/hooks/post-receive"
  chown -R "$git_user:" "$repo"
  # The hook runs as the pushing user: it may read the webhook token, nothing else.
  chgrp "$(id -gn "$git_user")" "$etc/webhook-token"
  chmod 0640 "$etc/webhook-token"
  cat > "$etc/git-hook.env" <<ENV
KUBELAB_HOOK_URL=https://$local_host:$port/hooks/gitops/default/lab
KUBELAB_HOOK_TOKEN_FILE=$etc/webhook-token
KUBELAB_CA_FILE=$etc/tls.crt
ENV
  chmod 0644 "$etc/git-hook.env"
fi

cat > "$etc/server.env" <<ENV
KUBELAB_LISTEN=$listen
KUBELAB_GITOPS_REPO=$gitops_repo
KUBELAB_VERSION=$version
ENV
chmod 0644 "$etc/server.env"

install -d "$ROOT/etc/systemd/system"
install -m 0644 "$staging/kubelab-server.service" "$ROOT/etc/systemd/system/kubelab-server.service"
"$SYSTEMCTL" daemon-reload
"$SYSTEMCTL" enable kubelab-server.service
"$SYSTEMCTL" restart kubelab-server.service

# Done when the API answers with the new bundle.
for _ in $(seq 1 60); do
  if curl -fsS --max-time 2 --cacert "$etc/tls.crt" -H "Authorization: Bearer $admin_token" \
    "https://$local_host:$port/version" >/dev/null 2>&1; then
    say "API server is up at https://$public_ip:$port"
    exit 0
  fi
  sleep 1
done
say "the API server did not answer on port $port within 60 s" >&2
"$SYSTEMCTL" status --no-pager kubelab-server.service >&2 || true
exit 1
