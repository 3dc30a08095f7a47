#!/usr/bin/env bash
# Installs the system packages Duet needs on Debian bookworm: Vulkan's loader and Mesa 25's
# lavapipe (a Vulkan driver on the CPU that Dawn accepts) from bookworm-backports.
# The mirror is read from the machine's own apt sources, never written into the repo.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
sources=/etc/apt/sources.list.d/debian.sources
backports=/etc/apt/sources.list.d/duet-backports.sources

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(awk '/^URIs:/ {print $2; exit}' "$sources" 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '/^deb / && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  [ -n "$uri" ] || { echo "install-system: no Debian mirror found in $sources or /etc/apt/sources.list" >&2; exit 1; }
  $SUDO tee "$backports" >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
# Fonts for the text in the figures Duet writes (PNG plots are rendered from SVG by resvg).
$SUDO apt-get install -y -qq fonts-dejavu-core >/dev/null
# Chromium for apps/web's end-to-end tests (playwright-core drives it headless, WebGPU on).
$SUDO apt-get install -y -qq chromium >/dev/null
echo "install-system: $(dpkg-query -W -f='${Package} ${Version}' mesa-vulkan-drivers)"
