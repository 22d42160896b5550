#!/usr/bin/env bash
# A single-machine flowstack cluster: Consul (ACLs on, TLS gRPC), Vault and Nomad dev agents, the
# Consul and Vault bootstraps, the images, then the jobs in dependency order. Prints the Traefik
# URL at the end.
#   infra/dev-cluster/up.sh          (needs nomad, consul, vault, docker, node, CNI plugins and the
#                                     bridge netfilter sysctls; run as root for bridge networking)
#   infra/dev-cluster/down.sh        stops the jobs, waits for their allocations, stops the agents
# State (logs, pids, generated tokens, passwords and certificates, mode 0600/0700) lives in
# .flowstack/dev-cluster/. No token or password is passed on a command line (ps shows argv): they
# travel in the environment, in files, or on stdin.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
state="$root/.flowstack/dev-cluster"
version=${FLOWSTACK_VERSION:-0.1.0}
nomad_jwks_url=http://127.0.0.1:4646/.well-known/jwks.json

log() { printf '\n== %s\n' "$*"; }
fail() { printf 'dev-cluster: %s\n' "$*" >&2; exit 1; }

missing=()
for binary in nomad consul vault docker curl openssl node; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("$binary")
done
if [ ${#missing[@]} -gt 0 ]; then
  fail "missing on PATH: ${missing[*]}. Install HashiCorp's nomad, consul and vault binaries, Docker and Node (see docs/deploy.md)."
fi
# The agent loads CNI plugins from client.cni_path (infra/nomad/client.hcl); CNI_PATH overrides it
# in the generated agent config, so the check below looks where the agent will look.
config_cni_path=$(sed -n 's/^ *cni_path *= *"\(.*\)"/\1/p' infra/nomad/client.hcl)
cni_path=${CNI_PATH:-$config_cni_path}
[ -x "$cni_path/bridge" ] || fail "no CNI plugins in $cni_path (client.cni_path in infra/nomad/client.hcl, or set CNI_PATH; see docs/deploy.md)"
# Bridge networking needs bridged traffic to pass through iptables (Nomad install docs,
# "bridge-iptables"): the br_netfilter module and these sysctls set to 1.
for key in net.bridge.bridge-nf-call-arptables net.bridge.bridge-nf-call-ip6tables net.bridge.bridge-nf-call-iptables; do
  value=$(sysctl -n "$key" 2>/dev/null || true)
  [ "$value" = 1 ] || fail "$key is '${value:-unset}', not 1: run 'modprobe br_netfilter' and set it with sysctl (see docs/deploy.md)"
done

mkdir -p "$state"
chmod 700 "$state"
umask 077
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
secret() { # file: a random value generated once and kept for the next runs
  [ -s "$state/$1" ] || openssl rand -hex 24 >"$state/$1"
  cat "$state/$1"
}
json_field() { # field: reads a JSON object on stdin and prints one top-level string field
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(JSON.parse(s)[process.argv[1]]??"")))' "$1"
}
# /v1/status/leader answers "" (HTTP 200) before a leader is elected: wait for an address.
consul_has_leader() { curl -sf http://127.0.0.1:8500/v1/status/leader | grep -q '"[^"]'; }

host_ip=$(hostname -I 2>/dev/null | awk '{print $1}')
host_ip=${host_ip:-127.0.0.1}

log "Consul TLS for gRPC (port 8503): a CA and a server certificate"
if [ ! -s "$state/consul-tls/dc1-server-consul-0.pem" ]; then
  mkdir -p "$state/consul-tls"
  (cd "$state/consul-tls" && consul tls ca create >/dev/null && consul tls cert create -server -dc dc1 >/dev/null)
fi
cat >"$state/consul-tls.hcl" <<EOF
tls {
  grpc {
    ca_file   = "$state/consul-tls/consul-agent-ca.pem"
    cert_file = "$state/consul-tls/dc1-server-consul-0.pem"
    key_file  = "$state/consul-tls/dc1-server-consul-0-key.pem"
  }
}
EOF

log "Consul (dev agent, ACLs default deny, Connect on)"
start consul consul agent -dev -bind "$host_ip" \
  -config-file infra/dev-cluster/consul.hcl -config-file "$state/consul-tls.hcl"
wait_for Consul 30 consul_has_leader

log "Consul ACL bootstrap and agent tokens"
# Right after the leader election the ACL system may not accept the bootstrap yet: retry until
# it answers (a bootstrap that succeeded is never repeated: its token is in the file).
for _ in $(seq 1 20); do
  [ -s "$state/consul-management.token" ] && break
  consul acl bootstrap -format=json 2>/dev/null | json_field SecretID >"$state/consul-management.token" || true
  [ -s "$state/consul-management.token" ] || sleep 1
done
[ -s "$state/consul-management.token" ] || fail "consul acl bootstrap did not succeed (logs in $state)"
CONSUL_HTTP_TOKEN=$(cat "$state/consul-management.token")
export CONSUL_HTTP_TOKEN CONSUL_HTTP_ADDR=http://127.0.0.1:8500
consul_put() { # path: PUT stdin to the Consul API with the management token from a header file
  curl -sf -X PUT -H @"$state/consul-auth.header" --data-binary @- "http://127.0.0.1:8500$1" >/dev/null
}
printf 'X-Consul-Token: %s\n' "$CONSUL_HTTP_TOKEN" >"$state/consul-auth.header"
if [ ! -s "$state/consul-agent.token" ]; then
  node_name=$(curl -sf -H @"$state/consul-auth.header" http://127.0.0.1:8500/v1/agent/self |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).Config.NodeName))')
  consul acl token create -description "dev agent $node_name" -node-identity "$node_name:dc1" -format=json |
    json_field SecretID >"$state/consul-agent.token"
fi
printf '{"Token":"%s"}' "$(cat "$state/consul-agent.token")" | consul_put /v1/agent/token/agent
if [ ! -s "$state/consul-nomad.token" ]; then
  consul acl policy read -name nomad-agent >/dev/null 2>&1 ||
    consul acl policy create -name nomad-agent -rules @infra/dev-cluster/nomad-agent-policy.hcl >/dev/null
  consul acl token create -description "dev Nomad agent" -policy-name nomad-agent -format=json |
    json_field SecretID >"$state/consul-nomad.token"
fi

log "Vault (dev server)"
export VAULT_ADDR=http://127.0.0.1:8200
VAULT_TOKEN=$(secret vault-root.token)
export VAULT_TOKEN
# The dev server reads its root token id from the environment, not from argv.
VAULT_DEV_ROOT_TOKEN_ID=$VAULT_TOKEN start vault vault server -dev -dev-listen-address=0.0.0.0:8200
wait_for Vault 30 vault status

log "Nomad (dev agent with Connect, workload identity for Vault and Consul)"
# The dev cluster's own agent settings: the Consul token and the gRPC CA (secrets, in a 0600
# file), and the CNI path when CNI_PATH overrides client.hcl.
cat >"$state/nomad-dev.hcl" <<EOF
consul {
  token        = "$(cat "$state/consul-nomad.token")"
  grpc_ca_file = "$state/consul-tls/consul-agent-ca.pem"
}
client {
  cni_path = "$cni_path"
}
EOF
start nomad nomad agent -dev-connect -bind 0.0.0.0 -network-interface "$(ip route show default | awk '{print $5; exit}')" \
  -config infra/nomad/server.hcl -config infra/nomad/client.hcl -config "$state/nomad-dev.hcl"
export NOMAD_ADDR=http://127.0.0.1:4646
wait_for Nomad 60 nomad node status -self
wait_for "Nomad JWKS" 30 curl -sf "$nomad_jwks_url"

log "Consul bootstrap: config entries, policies, the nomad-workloads auth method and binding rules"
# What `nomad setup consul` does: a JWT auth method trusting Nomad's JWKS, binding rules for
# service and task identities, and Traefik's task identity bound to service:write on traefik.
npm run --silent infra:consul -- --address "$CONSUL_HTTP_ADDR" --nomad-jwks-url "$nomad_jwks_url"

log "Admin secrets of the data services in Vault KV"
vault secrets list | grep -q '^kv/' || vault secrets enable -path=kv kv-v2
pg_password=$(secret postgres-admin) redis_password=$(secret redis-admin) mq_password=$(secret rabbitmq-admin)
# `vault kv put` reads the fields from stdin as JSON ("-"), so no password reaches argv.
kv_admin() { printf '{"admin_username":"vaultadmin","admin_password":"%s"%s}' "$2" "${3:-}" | vault kv put "kv/flowstack/$1/config" - >/dev/null; }
kv_admin postgres "$pg_password"
kv_admin redis "$redis_password"
# RabbitMQ members authenticate to each other with the Erlang cookie (jobs/rabbitmq.nomad.hcl).
kv_admin rabbitmq "$mq_password" ",\"erlang_cookie\":\"$(secret rabbitmq-erlang-cookie)\""

log "Vault bootstrap, part 1: policies and the jwt-nomad auth method"
npm run --silent infra:vault -- --address "$VAULT_ADDR" --nomad-jwks-url "$nomad_jwks_url"

log "Images (local tags under localhost/: never resolved on Docker Hub)"
docker build -q -f services/api/Dockerfile -t "localhost/flowstack/api:$version" .
docker build -q -f services/worker/Dockerfile -t "localhost/flowstack/worker:$version" .

log "Job specs"
npm run --silent validate:jobs

log "Data volumes (PostgreSQL, RabbitMQ)"
nomad volume status flowstack-pgdata >/dev/null 2>&1 || nomad volume create infra/nomad/volumes/pgdata.volume.hcl
# One client, so one RabbitMQ member: its volume is flowstack-rabbitmq[0] (per allocation).
infra/nomad/rabbitmq-volumes.sh "$(nomad node status -self -t '{{.ID}}')"

# Without -detach `nomad job run` follows the deployment and returns when it is healthy (or
# failed). That is what this script wants: each step needs the previous one serving. The first
# deploy of api and worker has no canary to promote (canaries apply to updates only).
log "Data services"
nomad job run jobs/postgres.nomad.hcl
nomad job run jobs/redis.nomad.hcl
# A one-member cluster: distinct_hosts allows one member per client, and a member list of one
# lets it boot at once instead of waiting for peers that will never come.
nomad job run -var nodes=1 -var max_nodes=1 jobs/rabbitmq.nomad.hcl

log "Vault bootstrap, part 2: database and RabbitMQ engines against the running services"
VAULT_BOOTSTRAP_POSTGRES_URL="postgresql://vaultadmin:$pg_password@127.0.0.1:15432/flowstack" \
  VAULT_BOOTSTRAP_REDIS_URL="redis://vaultadmin:$redis_password@127.0.0.1:16379" \
  VAULT_BOOTSTRAP_RABBITMQ_URL="http://vaultadmin:$mq_password@127.0.0.1:15672" \
  npm run --silent infra:vault -- --address "$VAULT_ADDR" --nomad-jwks-url "$nomad_jwks_url"

log "flowstack: worker (runs the migrations first), api, traefik"
if nomad job status api >/dev/null 2>&1; then
  # A re-run with a new FLOWSTACK_VERSION is an update: api and worker deploy a canary that
  # waits for promotion, which a blocking `nomad job run` would wait on forever. deploy.sh
  # submits detached and prints the promote commands.
  FLOWSTACK_REGISTRY=localhost/flowstack JOBS="worker api traefik" infra/nomad/deploy.sh "$version"
else
  nomad job run -var "image=localhost/flowstack/worker:$version" jobs/worker.nomad.hcl
  nomad job run -var "image=localhost/flowstack/api:$version" jobs/api.nomad.hcl
  nomad job run jobs/traefik.nomad.hcl
fi

log "Waiting for the api through Traefik"
wait_for "api through Traefik" 120 curl -sf http://127.0.0.1:8080/v1/products
printf '\nflowstack is serving through Traefik: http://127.0.0.1:8080/v1/products\n'
printf 'Traefik ping and metrics: http://127.0.0.1:8081/ping  http://127.0.0.1:8081/metrics\n'
printf 'Nomad UI: http://127.0.0.1:4646  Consul UI: http://127.0.0.1:8500  Vault: http://127.0.0.1:8200\n'
printf 'Tokens (Consul management, Vault root) are in %s (mode 0600).\n' "$state"
