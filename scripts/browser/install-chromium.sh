#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its ChromeDriver for the console's browser test
# (platform-api ConsoleBrowserTests). Run by the build before that test (exec-maven-plugin, process-test-classes).
#   - already installed: does nothing
#   - root: apt-get update && apt-get install -y chromium chromium-driver
#   - otherwise: says what to run and exits 0; the browser test then fails under CI=true and is skipped locally
set -euo pipefail

CHROMIUM=${CHROMIUM_BINARY:-/usr/bin/chromium}
DRIVER=${CHROMEDRIVER_BINARY:-/usr/bin/chromedriver}

if [[ -x "$CHROMIUM" && -x "$DRIVER" ]]; then
    exit 0
fi

if [[ "$(id -u)" == "0" ]]; then
    echo "install-chromium: installing chromium and chromium-driver with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium chromium-driver
    exit 0
fi

if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "install-chromium: installing chromium and chromium-driver with sudo apt-get"
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
    exit 0
fi

cat >&2 <<MSG
install-chromium: $CHROMIUM or $DRIVER is missing and this user cannot install packages.
  Install them once with:  sudo apt-get update && sudo apt-get install -y chromium chromium-driver
  (or point CHROMIUM_BINARY / CHROMEDRIVER_BINARY at existing binaries).
  The console's browser test fails without them when CI=true and is skipped otherwise.
MSG
exit 0
