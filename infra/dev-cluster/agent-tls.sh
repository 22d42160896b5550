#!/usr/bin/env bash
# Issues (and renews) the Consul and Nomad agents' TLS certificates from Vault's PKI role
# pki_int/roles/agents, and writes them where the agents' TLS config (agent-tls/*.hcl) reads them.
#   VAULT_ADDR=... VAULT_TOKEN=<token with policy agent-tls> infra/dev-cluster/agent-tls.sh <dir>
#   infra/dev-cluster/agent-tls.sh <dir> --watch [--on-change 'consul reload; pkill -HUP nomad']
# A certificate is re-issued when less than a third of its lifetime is left (72h certificates:
# after 48h), so a run every hour (--watch, a systemd timer, or cron) keeps them valid. Files are
# written to a temporary name and renamed, so an agent never reads half a certificate. The
# private keys (mode 0600) are never printed.
set -euo pipefail
dir=${1:?usage: agent-tls.sh <dir> [--watch] [--on-change CMD]}
shift
watch=0
on_change=''
while [ $# -gt 0 ]; do
  case "$1" in
    --watch) watch=1 ;;
    --on-change) on_change=${2:?--on-change needs a command}; shift ;;
    *) echo "agent-tls: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
: "${VAULT_ADDR:?VAULT_ADDR is required}"
: "${VAULT_TOKEN:?VAULT_TOKEN is required (policy agent-tls)}"
role=${AGENT_PKI_ROLE:-agents}
mount=${AGENT_PKI_MOUNT:-pki_int}
ttl=${AGENT_CERT_TTL:-72h}

# name | common name | alt names: what each agent presents and what its peers verify
# (Consul: verify_server_hostname -> server.<dc>.consul; Nomad: verify_https_client ->
# server.global.nomad / client.global.nomad). localhost and 127.0.0.1 for the CLIs on the host.
certs=(
  "consul-server|server.dc1.consul|localhost"
  "nomad-server|server.global.nomad|localhost"
  "nomad-client|client.global.nomad|localhost"
)

mkdir -p "$dir"
chmod 700 "$dir"

needs_renewal() { # pem
  [ -s "$1" ] || return 0
  local not_before not_after now
  not_before=$(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
  not_after=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
  now=$(date +%s)
  [ $((not_after - now)) -lt $(((not_after - not_before) / 3)) ]
}

issue() { # name cn alt
  local name=$1 cn=$2 alt=$3 reply
  reply=$(curl -sf -H "X-Vault-Token: $VAULT_TOKEN" -X POST \
    -d "{\"common_name\":\"$cn\",\"alt_names\":\"$alt\",\"ip_sans\":\"127.0.0.1\",\"ttl\":\"$ttl\"}" \
    "$VAULT_ADDR/v1/$mount/issue/$role") || {
    echo "agent-tls: Vault refused $mount/issue/$role for $cn" >&2
    return 1
  }
  umask 077
  jq -r '.data.certificate' <<<"$reply" >"$dir/.$name.pem"
  jq -r '.data.private_key' <<<"$reply" >"$dir/.$name-key.pem"
  jq -r '.data.ca_chain | join("\n")' <<<"$reply" >"$dir/.ca.pem"
  mv "$dir/.$name-key.pem" "$dir/$name-key.pem"
  mv "$dir/.$name.pem" "$dir/$name.pem"
  mv "$dir/.ca.pem" "$dir/ca.pem"
  echo "agent-tls: issued $name ($cn), expires $(openssl x509 -in "$dir/$name.pem" -noout -enddate | cut -d= -f2)"
}

run_once() {
  local changed=0 entry name cn alt
  for entry in "${certs[@]}"; do
    IFS='|' read -r name cn alt <<<"$entry"
    if needs_renewal "$dir/$name.pem"; then
      issue "$name" "$cn" "$alt"
      changed=1
    fi
  done
  if [ "$changed" -eq 1 ] && [ -n "$on_change" ]; then
    bash -c "$on_change" || echo "agent-tls: --on-change command failed" >&2
  fi
}

run_once
if [ "$watch" -eq 1 ]; then
  while sleep "${AGENT_TLS_INTERVAL:-3600}"; do run_once; done
fi
