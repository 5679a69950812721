#!/usr/bin/env bash
# Builds kubelab's local images (pause, busybox, web:1, web:2) when missing or out of date.
# Needs a running Docker engine (scripts/ensure-docker.sh). Pass --force to rebuild all.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/ensure-docker.sh
exec node --import tsx scripts/images/build.ts "$@"
