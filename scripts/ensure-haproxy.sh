#!/usr/bin/env bash
# Make sure Debian's HAProxy is installed, for the load balancer of `kubelab lab up --masters N`
# (3, 5 or 7) and the HA tests: idempotent, non-interactive. The lab runs its own haproxy with its
# own configuration in the lab dir, never the package's service.
set -euo pipefail
cd "$(dirname "$0")"
bash ensure-apt-package.sh haproxy /usr/sbin/haproxy haproxy
