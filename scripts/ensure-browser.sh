#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/e2e), from Debian: Playwright's
# own browser download is not available, so the tests launch /usr/bin/chromium.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-browser: /usr/bin/chromium missing and not root (no sudo)" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
[ -x /usr/bin/chromium ] || { echo "ensure-browser: chromium did not install to /usr/bin/chromium" >&2; exit 1; }
