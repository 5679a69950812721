#!/usr/bin/env bash
# The etcd cluster of a GCE lab with kubelab:masterCount > 1, run by Pulumi over SSH as root.
#   pki --ips IP,IP,...          (first master) makes the etcd CA, the members' certificate (every
#                                master's address in its SANs, server and client auth, for peers
#                                too) and the API servers' client certificate, once; prints the
#                                folder as base64 tar for the other masters (a Pulumi secret).
#   member --name N --ip IP --initial-cluster N=https://IP:2380,...
#                                reads that tar on stdin, writes kubelab-etcd.service (Debian's
#                                etcd-server, client and peer TLS with client-cert-auth) and starts
#                                it without waiting (a member waits for its peers for a quorum),
#                                and a drop-in that points kubelab-server at every member.
#   share                        (first master, after its install) prints the control plane's
#                                shared secrets (tokens, CAs, service-account key, serving cert).
#   receive                      (other masters, before their install) unpacks them from stdin,
#                                so install-master.sh keeps them and every server is alike.
# KUBELAB_ROOT, SYSTEMCTL and ETCD_BIN exist for the tests, which run members on loopback.
set -euo pipefail

ROOT="${KUBELAB_ROOT:-}"
SYSTEMCTL="${SYSTEMCTL:-systemctl}"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
etc="$ROOT/etc/kubelab"
pki="$etc/etcd"
say() { echo "install-etcd: $*" >&2; }
usage() { echo "usage: $0 pki --ips IP,... | member --name N --ip IP --initial-cluster LIST [--server-unit FILE] [--token T] | share | receive" >&2; exit 2; }
[ $# -ge 1 ] || usage
mode="$1"; shift
ips="" name="" ip="" initial="" server_unit="" token="kubelab-etcd" client_port=2379 peer_port=2380
while [ $# -gt 0 ]; do
  case "$1" in
    --ips) ips="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --ip) ip="$2"; shift 2 ;;
    --initial-cluster) initial="$2"; shift 2 ;;
    --server-unit) server_unit="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --client-port) client_port="$2"; shift 2 ;;
    --peer-port) peer_port="$2"; shift 2 ;;
    *) usage ;;
  esac
done
umask 077
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

issue() { # name subject extensions
  printf '%b' "$3" > "$pki/$1.ext"
  openssl req -new "${EC[@]}" -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  rm -f "$pki/$1.csr" "$pki/$1.ext"
}

make_pki() {
  [ -n "$ips" ] || usage
  install -d -m 0700 "$pki"
  if [ ! -s "$pki/ca.crt" ] || [ ! -s "$pki/ca.key" ]; then
    openssl req -x509 "${EC[@]}" -days 3650 -subj "/CN=kubelab-etcd-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" \
      -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
    say "generated the etcd CA"
  fi
  local sans="" a
  for a in ${ips//,/ }; do sans="${sans}IP:$a,"; done
  sans="${sans}IP:127.0.0.1,DNS:localhost"
  if [ ! -s "$pki/member.crt" ] || [ "$(cat "$pki/member.sans" 2>/dev/null)" != "$sans" ]; then
    issue member "/CN=kubelab-etcd-member" "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=$sans\n"
    echo "$sans" > "$pki/member.sans"
    say "generated the members' certificate for $sans"
  fi
  if [ ! -s "$pki/apiserver-etcd-client.crt" ]; then
    issue apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
  fi
  tar -C "$pki" -czf - ca.crt ca.key member.crt member.key member.sans apiserver-etcd-client.crt apiserver-etcd-client.key | base64 -w0
}

# The kubelab-server unit's ExecStart (continuation lines joined), for the drop-in to extend.
exec_start() { sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*//; ta' "$1" | sed -n 's/^ExecStart=//p'; }

member() {
  [ -n "$name" ] && [ -n "$ip" ] && [ -n "$initial" ] || usage
  install -d -m 0700 "$pki"
  base64 -d | tar -C "$pki" -xzf - --no-same-owner
  for f in ca.crt member.crt member.key apiserver-etcd-client.crt apiserver-etcd-client.key; do
    [ -s "$pki/$f" ] || { say "$f is missing from the certificates on stdin"; exit 1; }
  done
  install -d -m 0700 "$ROOT/var/lib/kubelab-etcd"
  # A re-run that changes nothing of etcd's (e.g. a new kubelab-server unit) leaves it running:
  # restarting every member at once would lose the quorum for a moment.
  local before
  before="$( (cat "$pki/etcd.env" "$ROOT/etc/systemd/system/kubelab-etcd.service" "$pki/member.crt.installed" 2>/dev/null || true) | sha256sum)"
  # Clients on the master itself may use loopback too (unless the member's address is loopback).
  local local_url=",https://127.0.0.1:$client_port"
  case "$ip" in 127.*) local_url="" ;; esac
  # etcd reads its configuration from ETCD_* variables; the unit only names this file.
  cat > "$pki/etcd.env" <<ENV
ETCD_NAME=$name
ETCD_DATA_DIR=$ROOT/var/lib/kubelab-etcd/$name
ETCD_LISTEN_CLIENT_URLS=https://$ip:$client_port${local_url}
ETCD_ADVERTISE_CLIENT_URLS=https://$ip:$client_port
ETCD_LISTEN_PEER_URLS=https://$ip:$peer_port
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://$ip:$peer_port
ETCD_INITIAL_CLUSTER=$initial
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=$token
ETCD_CERT_FILE=$pki/member.crt
ETCD_KEY_FILE=$pki/member.key
ETCD_TRUSTED_CA_FILE=$pki/ca.crt
ETCD_CLIENT_CERT_AUTH=true
ETCD_PEER_CERT_FILE=$pki/member.crt
ETCD_PEER_KEY_FILE=$pki/member.key
ETCD_PEER_TRUSTED_CA_FILE=$pki/ca.crt
ETCD_PEER_CLIENT_CERT_AUTH=true
ETCD_LOGGER=zap
ETCD_LOG_LEVEL=warn
ENV
  if [ -z "$ROOT" ] && [ ! -x "$ETCD_BIN" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server
  fi
  # Debian's own etcd.service (plain HTTP on loopback) would hold the ports: it never runs.
  if [ -z "$ROOT" ]; then "$SYSTEMCTL" disable --now etcd.service 2>/dev/null || true; "$SYSTEMCTL" mask etcd.service || true; fi
  install -d "$ROOT/etc/systemd/system"
  cat > "$ROOT/etc/systemd/system/kubelab-etcd.service" <<UNIT
[Unit]
Description=etcd member $name of the kubelab control plane
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
EnvironmentFile=/etc/kubelab/etcd/etcd.env
ExecStart=$ETCD_BIN
Restart=always
RestartSec=2
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
  if [ -n "$server_unit" ]; then
    local endpoints="" m
    for m in ${initial//,/ }; do endpoints="${endpoints}${endpoints:+,}https://$(echo "${m#*=}" | sed 's|^https://||; s|:[0-9]*$||'):$client_port"; done
    install -d "$ROOT/etc/systemd/system/kubelab-server.service.d"
    cat > "$ROOT/etc/systemd/system/kubelab-server.service.d/etcd.conf" <<DROPIN
# Written by install-etcd.sh: the server keeps its flags and stores in the etcd cluster.
[Unit]
After=kubelab-etcd.service
[Service]
LoadCredential=etcd-ca.crt:/etc/kubelab/etcd/ca.crt
LoadCredential=etcd-client.crt:/etc/kubelab/etcd/apiserver-etcd-client.crt
LoadCredential=etcd-client.key:/etc/kubelab/etcd/apiserver-etcd-client.key
ExecStart=
ExecStart=$(exec_start "$server_unit") --store etcd --etcd-servers $endpoints --etcd-cafile \${CREDENTIALS_DIRECTORY}/etcd-ca.crt --etcd-certfile \${CREDENTIALS_DIRECTORY}/etcd-client.crt --etcd-keyfile \${CREDENTIALS_DIRECTORY}/etcd-client.key --advertise-address $ip
DROPIN
  fi
  "$SYSTEMCTL" daemon-reload
  "$SYSTEMCTL" enable kubelab-etcd.service
  cp "$pki/member.crt" "$pki/member.crt.installed"
  if [ "$(cat "$pki/etcd.env" "$ROOT/etc/systemd/system/kubelab-etcd.service" "$pki/member.crt.installed" | sha256sum)" = "$before" ]; then
    "$SYSTEMCTL" start --no-block kubelab-etcd.service
  else
    "$SYSTEMCTL" restart --no-block kubelab-etcd.service
  fi
  say "etcd member $name on $ip started (cluster $initial)"
}

SHARED=(tokens.csv ca.crt ca.key service-account.key webhook-token kubelet-client-token tls.crt tls.key tls.san)
case "$mode" in
  pki) make_pki ;;
  member) member ;;
  share) tar -C "$etc" -czf - "${SHARED[@]}" | base64 -w0 ;;
  receive) install -d -m 0755 "$etc"; base64 -d | tar -C "$etc" -xzf - --no-same-owner; chmod 0644 "$etc/tls.crt"; say "received the control plane's secrets" ;;
  *) usage ;;
esac
