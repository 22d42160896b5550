#!/usr/bin/env bash
# Deploys flowstack to an existing cluster (NOMAD_ADDR, NOMAD_TOKEN set; Vault and Consul already
# bootstrapped with npm run infra:vault and npm run infra:consul; images pushed).
#   infra/nomad/deploy.sh [version]        e.g. infra/nomad/deploy.sh 0.2.0
#   JOBS="api" infra/nomad/deploy.sh 0.2.0 only some jobs
# Validates the specs, shows each plan, then runs the jobs in dependency order. api and worker
# deploy a canary first: promote with `nomad deployment promote <id>` (see docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:-}
registry=${FLOWSTACK_REGISTRY:-flowstack}
jobs=${JOBS:-"postgres redis rabbitmq worker api traefik"}

command -v nomad >/dev/null 2>&1 || { echo "deploy: nomad is not on PATH" >&2; exit 1; }
[ -n "${NOMAD_ADDR:-}" ] || { echo "deploy: set NOMAD_ADDR (and NOMAD_TOKEN when ACLs are on)" >&2; exit 1; }

npm run --silent validate:jobs

for job in $jobs; do
  args=()
  if [ -n "$version" ] && { [ "$job" = api ] || [ "$job" = worker ]; }; then
    args+=(-var "image=$registry/$job:$version")
  fi
  echo "== $job"
  set +e
  nomad job plan "${args[@]}" "jobs/$job.nomad.hcl"
  plan=$?
  set -e
  # plan exits 1 when allocations would change, 0 when nothing changes, 255 on error.
  if [ "$plan" -eq 255 ]; then echo "deploy: plan of $job failed" >&2; exit 1; fi
  if [ "$plan" -eq 0 ]; then echo "$job: no change"; continue; fi
  nomad job run "${args[@]}" "jobs/$job.nomad.hcl"
done
