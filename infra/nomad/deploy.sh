#!/usr/bin/env bash
# Deploys flowstack to an existing cluster (NOMAD_ADDR, NOMAD_TOKEN set; Vault and Consul already
# bootstrapped with npm run infra:vault and npm run infra:consul; images pushed).
#   FLOWSTACK_REGISTRY=registry.example.com/flowstack infra/nomad/deploy.sh 0.2.0
#   JOBS="api" FLOWSTACK_REGISTRY=... infra/nomad/deploy.sh 0.2.0       only some jobs
#   RABBITMQ_NODES=5 JOBS="rabbitmq" ... infra/nomad/deploy.sh 0.2.0     grow the broker cluster
#     (create the new members' volumes first: infra/nomad/rabbitmq-volumes.sh)
# Validates the specs, then per job: plans, prints the diff, submits only when the plan shows a
# change, with -check-index from that plan (so a job changed by someone else in between is
# refused rather than overwritten), and -detach. api and worker deploy a canary first: the script
# prints each deployment id and the exact `nomad deployment promote` command to run once the
# canary looks right (docs/deploy.md, "Promoting a canary").
# Needs bash >= 4.4 (empty arrays under set -u), node and npm (validate:jobs).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:-}
jobs=${JOBS:-"postgres redis rabbitmq worker api traefik"}

fail() { echo "deploy: $*" >&2; exit 1; }
command -v nomad >/dev/null 2>&1 || fail "nomad is not on PATH"
[ -n "${NOMAD_ADDR:-}" ] || fail "set NOMAD_ADDR (and NOMAD_TOKEN when ACLs are on)"
# No default: an unqualified "flowstack/api" resolves to Docker Hub, a namespace the project does
# not own. The registry must be named explicitly.
[ -n "${FLOWSTACK_REGISTRY:-}" ] || fail "set FLOWSTACK_REGISTRY (e.g. registry.example.com/flowstack): images are pulled from <registry>/api:<version>"
[ -n "$version" ] || fail "usage: infra/nomad/deploy.sh <version> (the image tag of api and worker)"

npm run --silent validate:jobs

promote=()
for job in $jobs; do
  args=()
  run_args=()
  if [ "$job" = api ] || [ "$job" = worker ]; then
    args+=(-var "image=$FLOWSTACK_REGISTRY/$job:$version")
    # Their counts belong to the Nomad Autoscaler (the groups' scaling blocks): a deploy keeps
    # the running count instead of resetting it to the file's (command/job_run.go,
    # -preserve-counts). The plan still shows the file's count; the submission ignores it.
    run_args+=(-preserve-counts)
  fi
  if [ "$job" = rabbitmq ] && [ -n "${RABBITMQ_NODES:-}" ]; then
    args+=(-var "nodes=$RABBITMQ_NODES")
  fi
  echo "== $job"
  set +e
  plan=$(nomad job plan -no-color "${args[@]}" "jobs/$job.nomad.hcl" 2>&1)
  code=$?
  set -e
  printf '%s\n' "$plan"
  # Exit codes (command/job_plan.go, getExitCode): 0 = no allocation created or destroyed, 1 =
  # some are, 255 = error. 0 does NOT mean "no change": tags, checks, update or count changes
  # applied in place also exit 0. The diff's first line says it: `Job: "x"` (no marker) when the
  # job is unchanged, `+ Job:` / `+/- Job:` when it is new or edited (formatJobDiff).
  [ "$code" -eq 255 ] && fail "plan of $job failed"
  if printf '%s\n' "$plan" | grep -Eq "^Job: \"$job\"$"; then
    echo "$job: no change"
    continue
  fi
  index=$(printf '%s\n' "$plan" | sed -n 's/^Job Modify Index: \([0-9][0-9]*\).*/\1/p' | head -n 1)
  [ -n "$index" ] || fail "no Job Modify Index in the plan of $job"
  run=$(nomad job run -no-color -detach -check-index "$index" "${run_args[@]}" "${args[@]}" "jobs/$job.nomad.hcl")
  printf '%s\n' "$run"
  eval_id=$(printf '%s\n' "$run" | sed -n 's/^Evaluation ID: *\([0-9a-f-]*\).*/\1/p')
  [ -n "$eval_id" ] || continue
  # The deployment exists once the scheduler has processed the evaluation.
  deployment=""
  for _ in $(seq 1 30); do
    read -r status deployment < <(nomad eval status -t '{{.Status}} {{.DeploymentID}}' "$eval_id" 2>/dev/null || echo "pending ")
    [ "$status" = complete ] || [ "$status" = failed ] || [ "$status" = canceled ] && break
    sleep 1
  done
  if [ -n "$deployment" ]; then
    echo "$job: deployment $deployment (nomad deployment status $deployment)"
    # A job's first deployment places no canaries (they apply to updates), so ask the deployment.
    canaries=$(nomad deployment status -t '{{range .TaskGroups}}{{.DesiredCanaries}} {{end}}' "$deployment" 2>/dev/null || true)
    if printf '%s' "$canaries" | grep -q '[1-9]'; then
      promote+=("nomad deployment promote $deployment    # $job")
    fi
  fi
done

if [ ${#promote[@]} -gt 0 ]; then
  printf '\nCanaries are placed but not promoted. Check them (docs/deploy.md), then run:\n'
  printf '  %s\n' "${promote[@]}"
  printf 'or roll back with: nomad deployment fail <id>\n'
fi
