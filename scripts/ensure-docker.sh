#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: idempotent, non-interactive (CI=true, no
# stdin), for a fresh Debian 12 machine without systemd running. Exit 0 when `docker info` works.
#   - docker.io missing  -> apt-get update once, apt-get install -y docker.io
#   - dockerd not running -> start it in the background, log to /var/log/kubelab-dockerd.log
#   - wait (bounded) until `docker info` answers, else a clear message and a non-zero exit.
set -euo pipefail

LOG=${KUBELAB_DOCKERD_LOG:-/var/log/kubelab-dockerd.log}
WAIT_SECONDS=${KUBELAB_DOCKERD_WAIT:-60}

say() { echo "ensure-docker: $*" >&2; }
# A wedged dockerd can leave `docker info` hanging for ever: every probe is bounded.
docker_answers() { timeout 20 docker info >/dev/null 2>&1; }

if docker_answers; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "the Docker engine is not reachable and this script is not running as root;"
  say "run it as root (sudo bash scripts/ensure-docker.sh) or start dockerd yourself."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  say "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update </dev/null
  apt-get install -y docker.io </dev/null
fi

# A previous dockerd may still be starting (another test file called this at the same time):
# only start one when none runs. flock serialises concurrent callers.
exec 9>/var/lock/kubelab-ensure-docker.lock
flock -w "$WAIT_SECONDS" 9 || { say "timed out waiting for another ensure-docker"; exit 1; }

if docker_answers; then
  exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  # containerd is started by dockerd itself when none runs.
  rm -f /var/run/docker.pid
  say "starting dockerd (log: $LOG)"
  # 9>&-: dockerd must not inherit the lock's descriptor, or it holds the lock for as long as it
  # runs and every later caller that finds it slow times out waiting for "another ensure-docker".
  nohup dockerd >>"$LOG" 2>&1 </dev/null 9>&- &
  disown || true
fi

for _ in $(seq 1 $((WAIT_SECONDS * 4))); do
  if docker_answers; then
    say "dockerd is up"
    exit 0
  fi
  sleep 0.25
done

if pgrep -x dockerd >/dev/null 2>&1 && timeout 5 curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
  # Seen under heavy parallel load (Docker 20.10's libnetwork deadlock): pings work, nothing else.
  say "dockerd answers /_ping but not docker info: it is wedged. kill -USR1 \$(pgrep -x dockerd) writes"
  say "its goroutine stacks under /var/run/docker/; pkill -x dockerd, then this script, restarts it."
fi
say "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1
