#!/usr/bin/env bash
# Creates the host volumes of the RabbitMQ members, one per client: volume "flowstack-rabbitmq[N]"
# on the N-th node ID given, from infra/nomad/volumes/rabbitmq.volume.hcl. Run it before the
# first `nomad job run jobs/rabbitmq.nomad.hcl`, and again with one more node ID to grow the
# cluster (existing volumes are left alone). NOMAD_ADDR (and NOMAD_TOKEN) must be set.
#   infra/nomad/rabbitmq-volumes.sh <node-id-0> <node-id-1> <node-id-2>
#   nomad node status -quiet -verbose     lists the IDs of the clients
set -euo pipefail
cd "$(dirname "$0")/../.."
spec=infra/nomad/volumes/rabbitmq.volume.hcl
prefix=${RABBITMQ_VOLUME:-flowstack-rabbitmq}

fail() { echo "rabbitmq-volumes: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: infra/nomad/rabbitmq-volumes.sh <node-id> [<node-id> ...] (one client per member, in member order)"
# Two members on one client share its fate (and its static Erlang ports): the job's
# distinct_hosts constraint would leave the second one unplaced.
[ "$(printf '%s\n' "$@" | sort -u | wc -l)" -eq $# ] || fail "node IDs must be distinct: one member per client"
command -v nomad >/dev/null 2>&1 || fail "nomad is not on PATH"
[ -n "${NOMAD_ADDR:-}" ] || fail "set NOMAD_ADDR (and NOMAD_TOKEN when ACLs are on)"

index=0
for node in "$@"; do
  name="$prefix[$index]"
  if nomad volume status -type host -t '{{range .}}{{.Name}} {{end}}' 2>/dev/null | tr ' ' '\n' | grep -Fxq "$name"; then
    echo "$name exists"
  else
    sed -e "s/^name *= .*/name      = \"$name\"/" -e "s/\"NODE_ID\"/\"$node\"/" "$spec" | nomad volume create -
  fi
  index=$((index + 1))
done
