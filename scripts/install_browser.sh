#!/usr/bin/env bash
# Installs Debian's chromium and chromedriver for tests/test_browser.py when they are missing.
# Idempotent and quiet: does nothing when both are there; apt's output is shown only when it
# fails. Needs root, or sudo.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install_browser.sh: could not install chromium and chromium-driver" >&2
    exit 1
fi

"$CHROMIUM" --version 2>/dev/null
"$CHROMEDRIVER" --version
