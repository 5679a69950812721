#!/usr/bin/env bash
# GCE startup script of a kubelab worker (metadata "startup-script"; runs at every boot).
# Base packages only (Docker from Debian); kubelab is installed over SSH by Pulumi, which waits
# for the marker. IP forwarding lets the VPC route deliver this node's pod CIDR to its pods.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sysctl -q -w net.ipv4.ip_forward=1
if [ ! -f /var/lib/kubelab-ready ]; then
  # The network may need a moment after boot: retry the index download.
  for _ in 1 2 3 4 5 6; do apt-get update -q && break; sleep 10; done
  apt-get install -y -q --no-install-recommends docker.io ca-certificates curl
  systemctl enable --now docker
  date -u +%FT%TZ > /var/lib/kubelab-ready
fi
