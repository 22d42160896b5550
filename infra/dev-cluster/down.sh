#!/usr/bin/env bash
# Stops the jobs and the dev agents that infra/dev-cluster/up.sh started (by their recorded pids).
# `nomad job stop` returns when the evaluation completes, not when the tasks are gone: killing the
# client at that point leaves Docker containers, CNI network namespaces and iptables rules behind.
# So it waits until every allocation is terminal (and Nomad has torn its networking down), then
# purges the jobs, then stops the agents and waits for them to exit.
set -uo pipefail
cd "$(dirname "$0")/../.."
state=.flowstack/dev-cluster
jobs="traefik api worker rabbitmq redis postgres"
export NOMAD_ADDR=http://127.0.0.1:4646

if command -v nomad >/dev/null 2>&1 && nomad node status -self >/dev/null 2>&1; then
  for job in $jobs; do nomad job stop -detach "$job" >/dev/null 2>&1 || true; done
  for job in $jobs; do
    for _ in $(seq 1 120); do
      # Client statuses of the job's allocations; "pending"/"running" ones are still there.
      live=$(nomad job allocs -t '{{range .}}{{.ClientStatus}} {{end}}' "$job" 2>/dev/null | grep -Eo 'pending|running' || true)
      [ -z "$live" ] && break
      sleep 1
    done
    [ -n "${live:-}" ] && echo "down: allocations of $job still running after 120 s" >&2
    nomad job stop -purge "$job" >/dev/null 2>&1 || true
  done
fi
for name in nomad vault consul; do
  if [ -f "$state/$name.pid" ]; then
    pid=$(cat "$state/$name.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      echo "stopped $name"
    fi
    rm -f "$state/$name.pid"
  fi
done
# The dev agents keep their state in memory: the next Consul is a fresh cluster to bootstrap.
rm -f "$state"/consul-*.token "$state/consul-auth.header"
