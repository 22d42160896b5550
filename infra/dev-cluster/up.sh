#!/usr/bin/env bash
# A single-machine flowstack cluster: Consul, Vault and Nomad dev agents, the Vault and Consul
# bootstraps, the images, then the jobs in dependency order. Prints the Traefik URL at the end.
#   infra/dev-cluster/up.sh          (needs nomad, consul, vault, docker, CNI plugins; run as root
#                                     for bridge networking)
#   infra/dev-cluster/down.sh        stops the agents it started
# State (logs, pids, generated admin passwords) lives in .flowstack/dev-cluster/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
state="$root/.flowstack/dev-cluster"
version=${FLOWSTACK_VERSION:-0.1.0}
cni_path=${CNI_PATH:-/opt/cni/bin}

log() { printf '\n== %s\n' "$*"; }
fail() { printf 'dev-cluster: %s\n' "$*" >&2; exit 1; }

missing=()
for binary in nomad consul vault docker curl openssl; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("$binary")
done
if [ ${#missing[@]} -gt 0 ]; then
  fail "missing on PATH: ${missing[*]}. Install HashiCorp's nomad, consul and vault binaries and Docker (see docs/deploy.md)."
fi
[ -x "$cni_path/bridge" ] || fail "no CNI plugins in $cni_path (bridge networking needs them; see docs/deploy.md)"

mkdir -p "$state"
wait_for() { # name, tries, command...
  local name=$1 tries=$2
  shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  fail "$name did not come up (logs in $state)"
}
start() { # name, command...
  local name=$1
  shift
  if [ -f "$state/$name.pid" ] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
    echo "$name already running (pid $(cat "$state/$name.pid"))"
    return
  fi
  nohup "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
}
secret() { # file: a password generated once and kept for the next runs
  [ -s "$state/$1" ] || openssl rand -hex 24 >"$state/$1"
  cat "$state/$1"
}

host_ip=$(hostname -I 2>/dev/null | awk '{print $1}')
host_ip=${host_ip:-127.0.0.1}

log "Consul (dev agent, Connect on)"
start consul consul agent -dev -client 0.0.0.0 -bind "$host_ip"
wait_for Consul 30 curl -sf http://127.0.0.1:8500/v1/status/leader

log "Vault (dev server)"
export VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root
start vault vault server -dev -dev-root-token-id=root -dev-listen-address=0.0.0.0:8200
wait_for Vault 30 vault status

log "Nomad (dev agent with Connect, WI for Vault and Consul)"
start nomad nomad agent -dev-connect -bind 0.0.0.0 -network-interface "$(ip route show default | awk '{print $5; exit}')" \
  -config infra/nomad/server.hcl -config infra/nomad/client.hcl
export NOMAD_ADDR=http://127.0.0.1:4646
wait_for Nomad 60 nomad node status -self

log "Admin secrets of the data services in Vault KV"
vault secrets list | grep -q '^kv/' || vault secrets enable -path=kv kv-v2
pg_password=$(secret postgres-admin) redis_password=$(secret redis-admin) mq_password=$(secret rabbitmq-admin)
vault kv put kv/flowstack/postgres/config admin_username=vaultadmin admin_password="$pg_password" >/dev/null
vault kv put kv/flowstack/redis/config admin_username=vaultadmin admin_password="$redis_password" >/dev/null
vault kv put kv/flowstack/rabbitmq/config admin_username=vaultadmin admin_password="$mq_password" >/dev/null

log "Vault bootstrap, part 1: policies and the jwt-nomad auth method"
npm run --silent infra:vault -- --address "$VAULT_ADDR" --token "$VAULT_TOKEN" \
  --nomad-jwks-url http://127.0.0.1:4646/.well-known/jwks.json

log "Consul bootstrap: service-defaults, intentions, policies"
npm run --silent infra:consul -- --address http://127.0.0.1:8500

log "Images"
docker build -q -f services/api/Dockerfile -t "flowstack/api:$version" .
docker build -q -f services/worker/Dockerfile -t "flowstack/worker:$version" .

log "Job specs"
npm run --silent validate:jobs

log "PostgreSQL data volume"
nomad volume status flowstack-pgdata >/dev/null 2>&1 || nomad volume create infra/nomad/volumes/pgdata.volume.hcl

# `nomad job run` follows the deployment and returns when it is healthy (or failed).
log "Data services"
for job in postgres redis rabbitmq; do nomad job run "jobs/$job.nomad.hcl"; done

log "Vault bootstrap, part 2: database and RabbitMQ engines against the running services"
npm run --silent infra:vault -- --address "$VAULT_ADDR" --token "$VAULT_TOKEN" \
  --nomad-jwks-url http://127.0.0.1:4646/.well-known/jwks.json \
  --postgres-url "postgresql://vaultadmin:$pg_password@127.0.0.1:15432/flowstack" \
  --redis "redis://vaultadmin:$redis_password@127.0.0.1:16379" \
  --rabbitmq-management-url "http://vaultadmin:$mq_password@127.0.0.1:15672"

log "flowstack: worker (runs the migrations first), api, traefik"
nomad job run -var "image=flowstack/worker:$version" jobs/worker.nomad.hcl
nomad job run -var "image=flowstack/api:$version" jobs/api.nomad.hcl
nomad job run jobs/traefik.nomad.hcl

log "Waiting for the api through Traefik"
wait_for "api through Traefik" 120 curl -sf http://127.0.0.1:8080/v1/products
printf '\nflowstack is serving through Traefik: http://127.0.0.1:8080/v1/products\n'
printf 'Traefik dashboard and metrics: http://127.0.0.1:8081/dashboard/  http://127.0.0.1:8081/metrics\n'
printf 'Nomad UI: http://127.0.0.1:4646  Consul UI: http://127.0.0.1:8500  Vault: http://127.0.0.1:8200 (token root)\n'
