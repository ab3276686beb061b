#!/bin/sh
# Debian packages the app and its tests need.
#   sh scripts/system-deps.sh run   — what `make run` needs: Pango and DejaVu fonts (WeasyPrint) and
#                                     libengine-gost-openssl (OpenSSL's GOST engine: the native
#                                     Streebog hash of NCA RK signatures, app/nca/streebog.py)
#   sh scripts/system-deps.sh test  — also chromium (browser tests), poppler-utils (pdfsig,
#                                     pdftotext), openssl (CMS signatures and the Streebog
#                                     cross-check in tests), postgresql (the PostgreSQL path,
#                                     tested on a real server),
#                                     redis-server (rate limits shared by two instances) and
#                                     wrk (the P4 benchmark)
# Missing packages are installed with apt-get when we are root; otherwise one line says
# what is missing (the tests that need a tool then skip, or fail when CI=true).
set -u
mode=${1:-test}
missing=""
need() { dpkg -s "$1" >/dev/null 2>&1 || missing="$missing $1"; }
need libpango-1.0-0
need libpangoft2-1.0-0
need fonts-dejavu-core
need libengine-gost-openssl
if [ "$mode" = "test" ]; then
  need chromium
  need poppler-utils
  need openssl
  need postgresql
  need redis-server
  need wrk
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; } \
    || { echo "apt-get could not install:$missing"; exit 1; }
else
  echo "NOTE: missing Debian packages:$missing (not root, cannot apt-get install); features and tests that need them will not work or will be skipped."
fi
