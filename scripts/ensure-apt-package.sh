#!/usr/bin/env bash
# Shared by ensure-etcd.sh and ensure-haproxy.sh: make sure COMMAND exists, else install Debian's
# PACKAGE(s) (root, non-interactive, one apt-get at a time across callers). Exit 0 when it exists.
#   ensure-apt-package.sh <what> <command path> <package...>
set -euo pipefail
what=$1 cmd=$2
shift 2
say() { echo "ensure-$what: $*" >&2; }

[ -x "$cmd" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  say "$cmd is missing and this script is not running as root;"
  say "run it as root (sudo bash scripts/ensure-$what.sh) or install it: apt-get install -y $*"
  exit 1
fi

# Two labs (or a lab and the tests) starting at once must not run apt-get side by side.
exec 9>/var/lock/kubelab-ensure-apt.lock
flock -w 600 9 || { say "timed out waiting for another apt-get"; exit 1; }
[ -x "$cmd" ] && exit 0

say "installing Debian's $*"
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null >/dev/null
apt-get install -y --no-install-recommends "$@" </dev/null >/dev/null
[ -x "$cmd" ] || { say "installed $*, but $cmd is still missing"; exit 1; }
