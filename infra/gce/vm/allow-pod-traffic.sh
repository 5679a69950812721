#!/usr/bin/env bash
# Lets pods on other nodes open connections to this node's pods: Docker's FORWARD chain only
# admits replies and published ports into a bridge, so accept the cluster's pod range in
# DOCKER-USER (which Docker keeps across its restarts). Idempotent; run before the agent starts.
set -euo pipefail
cluster_range="${1:?cluster pod range, e.g. 10.200.0.0/16}"
pod_cidr="${2:?pod CIDR of this node, e.g. 10.200.1.0/24}"
IPTABLES="${IPTABLES:-iptables}"

"$IPTABLES" -w -N DOCKER-USER 2>/dev/null || true
for rule in "-s $cluster_range -d $pod_cidr -j ACCEPT" "-s $pod_cidr -d $cluster_range -j ACCEPT"; do
  # shellcheck disable=SC2086 # the rule is a list of words on purpose
  "$IPTABLES" -w -C DOCKER-USER $rule 2>/dev/null || "$IPTABLES" -w -I DOCKER-USER $rule
done
# Traffic between pods keeps its pod source address (no masquerade inside the cluster range).
"$IPTABLES" -w -t nat -C POSTROUTING -s "$pod_cidr" -d "$cluster_range" -j RETURN 2>/dev/null \
  || "$IPTABLES" -w -t nat -I POSTROUTING -s "$pod_cidr" -d "$cluster_range" -j RETURN
