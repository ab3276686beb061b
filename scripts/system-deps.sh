#!/bin/sh
# System tools the test suite needs: Debian's chromium (browser tests) and
# poppler-utils (pdfsig/pdftotext, independent PDF checks). Installed with apt-get when
# missing and we are root; otherwise one line says what is missing and the tests that
# need it are skipped (they fail instead when CI=true).
set -u
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdfsig >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || { echo "apt-get could not install:$missing"; exit 1; }
else
  echo "NOTE: missing system packages:$missing (not root, cannot apt-get install); tests that need them will be skipped."
fi
