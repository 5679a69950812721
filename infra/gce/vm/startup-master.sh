#!/usr/bin/env bash
# GCE startup script of the kubelab master (metadata "startup-script"; runs at every boot).
# Base packages only; kubelab itself is installed over SSH by Pulumi, which waits for the marker.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -f /var/lib/kubelab-ready ]; then
  # The network may need a moment after boot: retry the index download.
  for _ in 1 2 3 4 5 6; do apt-get update -q && break; sleep 10; done
  apt-get install -y -q --no-install-recommends git openssl ca-certificates curl
  date -u +%FT%TZ > /var/lib/kubelab-ready
fi
