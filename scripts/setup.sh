#!/usr/bin/env bash
# All set-up on a fresh Debian bookworm machine: system packages (Vulkan loader and Mesa 25's
# lavapipe, so Duet runs without a GPU), the npm dependencies from the lockfile, and the build.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1; then
  bash .ci/install-system.sh
else
  echo "setup: no apt-get here; install a Vulkan driver for your GPU (or Mesa's lavapipe) yourself" >&2
fi
npm ci --no-audit --no-fund
npm run build
echo "setup: done. Try: npx duet devices"
