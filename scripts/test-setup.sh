#!/usr/bin/env bash
# Everything the test suite needs from the system, installed by the project itself (a fresh
# Debian 12 machine, root, Debian's packages only): git, a Docker engine, static busybox for the
# local images, etcd for the HA store, shellcheck and systemd-analyze for what goes onto the VMs,
# openssl for TLS certificates, iptables/nftables for the service proxy, wrk and dnsperf for the
# benchmarks, sshd for git over ssh, a C++ toolchain (g++, make, python3 for
# node-gyp) to compile better-sqlite3 for the VMs' Node, and kubectl (checked, since it does not
# come from Debian here). Then the VMs' Node itself (the pinned LTS, from the npm registry) and
# better-sqlite3 compiled for it, cached for the bundle tests (scripts/native.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-setup: $*" >&2; }

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || need+=(busybox-static)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
# the load balancer in front of several masters (lab up --masters 3, test/ha-*.test.ts)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# the official Python client, a second real client in test/python-client.test.ts (Debian's interpreter)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import kubernetes" >/dev/null 2>&1 || need+=(python3-kubernetes)
# netfilter for the agents' service proxy and NetworkPolicies; load tools for `npm run bench`
command -v iptables-restore >/dev/null 2>&1 || [ -x /usr/sbin/iptables-restore ] || need+=(iptables)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v dnsperf >/dev/null 2>&1 || need+=(dnsperf)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing packages: ${need[*]}; run as root or install them: apt-get install -y ${need[*]}"
    exit 1
  fi
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update </dev/null >/dev/null
  apt-get install -y --no-install-recommends "${need[@]}" </dev/null >/dev/null
fi

if ! command -v kubectl >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && apt-cache show kubernetes-client >/dev/null 2>&1; then
    say "installing Debian's kubernetes-client for kubectl"
    DEBIAN_FRONTEND=noninteractive apt-get install -y kubernetes-client </dev/null >/dev/null
  else
    say "kubectl is not installed: the tests drive the real kubectl (v1.32); install it first"
    exit 1
  fi
fi

bash scripts/ensure-docker.sh
node --import tsx scripts/images/build.ts
node --import tsx scripts/native.ts >&2
