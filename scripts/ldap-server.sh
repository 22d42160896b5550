#!/usr/bin/env bash
# Runs a throwaway OpenLDAP slapd in the foreground on 127.0.0.1:<port>, with its config and
# database under <data-dir>, loaded from infra/ldap/flowstack.ldif on first start.
#   usage: scripts/ldap-server.sh <data-dir> <port>
# Prints "ldap-server ready ldap://127.0.0.1:<port>" once it answers; stops on SIGTERM/SIGINT.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir=${1:?usage: ldap-server.sh <data-dir> <port>}
port=${2:?usage: ldap-server.sh <data-dir> <port>}

if ! [ -x /usr/sbin/slapd ] || ! command -v ldapwhoami >/dev/null 2>&1; then
  bash "$root/scripts/install-identity-tools.sh" ldap
fi

module_dir=/usr/lib/ldap
[ -e "$module_dir/back_mdb.so" ] || module_dir=$(dirname "$(find /usr/lib -name 'back_mdb.so*' -print -quit)")

mkdir -p "$data_dir/db"
conf="$data_dir/slapd.conf"
sed -e "s|@DATA_DIR@|$data_dir|g" -e "s|@MODULE_DIR@|$module_dir|g" \
  "$root/infra/ldap/slapd.conf.template" >"$conf"
if [ ! -e "$data_dir/db/data.mdb" ]; then
  /usr/sbin/slapadd -q -f "$conf" -l "$root/infra/ldap/flowstack.ldif"
fi

url="ldap://127.0.0.1:$port/"
# -d 0: stay in the foreground (the caller owns the process), log nothing but fatal errors.
/usr/sbin/slapd -d 0 -f "$conf" -h "$url" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' TERM INT EXIT
for _ in $(seq 1 100); do
  if ldapwhoami -x -H "$url" >/dev/null 2>&1; then
    echo "ldap-server ready ${url%/}"
    wait "$pid"
    exit $?
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "slapd exited before answering on $url" >&2
    exit 1
  fi
  sleep 0.1
done
echo "slapd did not answer on $url" >&2
exit 1
