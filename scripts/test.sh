#!/usr/bin/env bash
# `npm test`: set up what the tests need from the system, type-check, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-setup.sh
npx tsc --noEmit -p .
exec npx vitest run "$@"
