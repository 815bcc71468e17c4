#!/usr/bin/env bash
# Install what the browser check (tools/browser_check.py, tests/test_browser.py) needs, where
# it is missing: a headless Chromium (Debian's `chromium` package) and the widget JavaScript
# (`npm ci` from package-lock.json into node_modules/). Safe to run again: it installs nothing
# that is already there. Set CHROMIUM=/path/to/chrome to use another Chromium or Chrome.
set -euo pipefail
cd "$(dirname "$0")/.."

have_chromium() {
    if [ -n "${CHROMIUM:-}" ]; then command -v "$CHROMIUM" >/dev/null; return; fi
    for name in chromium chromium-browser google-chrome-stable google-chrome chrome; do
        command -v "$name" >/dev/null && return 0
    done
    return 1
}

if have_chromium; then
    echo "install_browser: Chromium present"
elif command -v apt-get >/dev/null; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    echo "install_browser: installing Debian's chromium package"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
else
    echo "install_browser: no Chromium and no apt-get; install Chromium (or Chrome) yourself," \
        "or set CHROMIUM; the browser check will be skipped until then" >&2
fi

if [ -f node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js ] \
    && [ -f node_modules/requirejs/require.js ]; then
    echo "install_browser: widget JavaScript present in node_modules/"
elif command -v npm >/dev/null; then
    echo "install_browser: npm ci (widget JavaScript)"
    npm ci --no-audit --no-fund
else
    echo "install_browser: npm is missing; install Node.js (npm), then run: npm ci" >&2
fi
