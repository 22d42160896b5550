# flowstack-migrate: generated from infra/vault/src/workload-roles.ts; do not edit by hand.
# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js
# Bound to the JWT role of the same name at jwt-nomad (namespace, job "worker", task "migrate").
# the migrate prestart of the worker job: runs the migrations as the PostgreSQL admin.

path "kv/data/flowstack/postgres/config" {
  capabilities = ["read"]
}

# Nomad renews the periodic token of the task
path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
