#!/usr/bin/env bash
# Stops the jobs and the dev agents that infra/dev-cluster/up.sh started (by their recorded pids).
set -uo pipefail
cd "$(dirname "$0")/../.."
state=.flowstack/dev-cluster
if command -v nomad >/dev/null 2>&1; then
  for job in traefik api worker rabbitmq redis postgres; do
    NOMAD_ADDR=http://127.0.0.1:4646 nomad job stop -purge "$job" >/dev/null 2>&1 || true
  done
fi
for name in nomad vault consul; do
  if [ -f "$state/$name.pid" ]; then
    kill "$(cat "$state/$name.pid")" 2>/dev/null && echo "stopped $name"
    rm -f "$state/$name.pid"
  fi
done
