#!/usr/bin/env bash
# Make sure Debian's etcd (server and etcdctl) is installed, for `kubelab lab up --masters N` and
# the HA tests: idempotent, non-interactive. The lab runs the members itself (not the package's
# service): on Debian without systemd running nothing starts one at install.
set -euo pipefail
cd "$(dirname "$0")"
bash ensure-apt-package.sh etcd /usr/bin/etcd etcd-server etcd-client
