#!/usr/bin/env bash
# Installs the Debian packages the identity tests and `npm run dev` use, when missing:
#   slapd + ldap-utils  the local LDAP directory (scripts/ldap-server.sh runs it)
#   chromium            the headless browser the OIDC login test drives (playwright-core)
# Run as root (CI does: bash scripts/install-identity-tools.sh). Idempotent: exits at once when
# everything is there. Usage: install-identity-tools.sh [ldap] [chromium]  (default: both)
set -euo pipefail

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(ldap chromium)

packages=()
for item in "${want[@]}"; do
  case "$item" in
    ldap)
      command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || packages+=(slapd)
      command -v ldapadd >/dev/null 2>&1 || packages+=(ldap-utils)
      ;;
    chromium)
      [ -x /usr/bin/chromium ] || packages+=(chromium)
      ;;
    *)
      echo "unknown item: $item (ldap, chromium)" >&2
      exit 2
      ;;
  esac
done
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${packages[*]}; run as root: bash scripts/install-identity-tools.sh" >&2
  exit 1
fi

# slapd's maintainer script would start a system-wide server on port 389 and ask for an admin
# password; the project runs its own throwaway slapd instead, so the service is not started
# (policy-rc.d 101 = "action forbidden") and debconf asks nothing.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed: ${packages[*]}"
