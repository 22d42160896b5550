#!/usr/bin/env bash
# Installs Debian's Chromium, which the api's /docs browser test drives through playwright-core
# (the test never downloads a browser of its own). Idempotent; needs root and apt.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing; install it as root: sudo bash scripts/install-chromium.sh" >&2
  exit 1
fi
lock=/tmp/flowstack-install-chromium.lock
exec 9>"$lock"
flock 9
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version
