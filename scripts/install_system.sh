#!/usr/bin/env bash
# Installs the system tools Waymark's tests use when they are missing: Debian's chromium and
# chromedriver (tests/test_browser.py) and Tesseract (OCR of scanned PDFs; Waymark reads a
# page without a text layer with it when it is installed). Idempotent and quiet: does nothing
# when all are there; apt's output is shown only when it fails. Needs root, or sudo.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

TESSERACT=/usr/bin/tesseract

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] && [ -x "$TESSERACT" ]; then
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends chromium chromium-driver tesseract-ocr tesseract-ocr-eng
   } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install_system.sh: could not install chromium, chromium-driver and tesseract-ocr" >&2
    exit 1
fi

"$CHROMIUM" --version 2>/dev/null
"$CHROMEDRIVER" --version
"$TESSERACT" --version 2>&1 | head -1
