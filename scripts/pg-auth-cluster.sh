#!/usr/bin/env bash
# Ensures a second local PostgreSQL cluster that really checks passwords and VALID UNTIL (the
# main cluster on 5432 trusts every local connection, so it cannot prove dynamic credentials work).
# Idempotent and safe to run concurrently: creates the cluster if missing, starts it if down, sets
# the admin role's password, then prints the connection parts as KEY=value lines.
# Needs root (or the postgres user's rights) and the Debian postgresql-common tools.
# env: PG_AUTH_VERSION (15), PG_AUTH_CLUSTER (vaultcreds), PG_AUTH_PORT (5433),
#      PG_AUTH_USER (vaultadmin), PG_AUTH_PASSWORD (vaultadmin-local-only)
set -euo pipefail

version=${PG_AUTH_VERSION:-15}
cluster=${PG_AUTH_CLUSTER:-vaultcreds}
port=${PG_AUTH_PORT:-5433}
admin=${PG_AUTH_USER:-vaultadmin}
password=${PG_AUTH_PASSWORD:-vaultadmin-local-only}
lock=${PG_AUTH_LOCK:-/tmp/flowstack-pg-auth-cluster.lock}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

ensure() {
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
    pg_createcluster "$version" "$cluster" --port "$port" -- \
      --auth-host=scram-sha-256 --auth-local=peer >/dev/null
  fi
  status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}')
  if [ "$status" != online ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  fi
  for _ in $(seq 1 50); do
    as_postgres pg_isready -q -p "$port" && break
    sleep 0.2
  done
  as_postgres psql -q -X -v ON_ERROR_STOP=1 -p "$port" -d postgres \
    -v admin="$admin" -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'admin')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'admin') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN SUPERUSER PASSWORD %L', :'admin', :'password') \gexec
SQL
}

exec 9>"$lock"
flock 9
ensure
flock -u 9

echo "PG_AUTH_HOST=127.0.0.1"
echo "PG_AUTH_PORT=$port"
echo "PG_AUTH_USER=$admin"
echo "PG_AUTH_PASSWORD=$password"
echo "PG_AUTH_DATABASE=postgres"
