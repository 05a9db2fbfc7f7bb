#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its ChromeDriver for the console's browser test
# (platform-api ConsoleBrowserTests), plus a CJK font so the Simplified Chinese pages are legible in the test's
# screenshots. Run by the build before that test (exec-maven-plugin, process-test-classes).
#   - already installed: does nothing
#   - root: apt-get update && apt-get install -y chromium chromium-driver fonts-wqy-zenhei
#   - otherwise: says what to run and exits 0; the browser test then fails under CI=true and is skipped locally
set -euo pipefail

CHROMIUM=${CHROMIUM_BINARY:-/usr/bin/chromium}
DRIVER=${CHROMEDRIVER_BINARY:-/usr/bin/chromedriver}

PACKAGES=(chromium chromium-driver fonts-wqy-zenhei)

has_cjk_font() {
    command -v fc-list >/dev/null && [[ -n "$(fc-list :lang=zh-cn family 2>/dev/null)" ]]
}

if [[ -x "$CHROMIUM" && -x "$DRIVER" ]] && has_cjk_font; then
    exit 0
fi

if [[ "$(id -u)" == "0" ]]; then
    echo "install-chromium: installing ${PACKAGES[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
    exit 0
fi

if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "install-chromium: installing ${PACKAGES[*]} with sudo apt-get"
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
    exit 0
fi

cat >&2 <<MSG
install-chromium: $CHROMIUM, $DRIVER or a CJK font is missing and this user cannot install packages.
  Install them once with:  sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]}
  (or point CHROMIUM_BINARY / CHROMEDRIVER_BINARY at existing binaries).
  The console's browser test fails without them when CI=true and is skipped otherwise.
MSG
exit 0
