#!/usr/bin/env bash
# Install what the browser check (tests/test_browser.py) needs, where missing: Chromium and
# chromedriver (Debian's packages; set CHROMIUM and CHROMEDRIVER to use others) and the widget
# JavaScript: two npm tarballs from the npm registry, checked against pinned SHA-512 sums and
# unpacked into build/widget-js/ (no Node.js needed). Selenium is in requirements/test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
browser="${CHROMIUM:-$(command -v chromium chromium-browser google-chrome | head -n1 || true)}"
if [ -n "$browser" ] && [ -n "${CHROMEDRIVER:-$(command -v chromedriver || true)}" ]; then
    echo "install_browser: Chromium and chromedriver present"
elif command -v apt-get >/dev/null; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver
else
    echo "install_browser: no apt-get: install Chromium and chromedriver yourself" >&2
fi

"${PYTHON:-python3}" - build/widget-js <<'EOF'
import base64, hashlib, io, shutil, sys, tarfile, urllib.request
from pathlib import Path

PACKAGES = [  # npm tarball, its SHA-512 (as npm's lock files give it), what to take, where
    ("@jupyter-widgets/html-manager/-/html-manager-1.0.15.tgz",
     "5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
     "package/dist/", "html-manager"),
    ("requirejs/-/requirejs-2.3.8.tgz",
     "7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
     "package/require.js", "require.js"),
]
for tarball, sha512, take, target in PACKAGES:
    dest = Path(sys.argv[1], target)
    if dest.exists():
        continue
    url = "https://registry.npmjs.org/" + tarball
    data = urllib.request.urlopen(url, timeout=60).read()
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != sha512:
        sys.exit(f"install_browser: {url} does not match its pinned SHA-512; nothing written")
    part = dest.with_name(dest.name + ".part")  # moved into place only when complete
    shutil.rmtree(part, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(take):
                path = part / member.name[len(take):] if take.endswith("/") else part
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.extractfile(member).read())
    part.rename(dest)
    print(f"install_browser: {tarball.split('/-/')[0]} unpacked into {dest}")
EOF
