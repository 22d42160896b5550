# flowstack-redis: generated from infra/vault/src/workload-roles.ts; do not edit by hand.
# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js
# Bound to the JWT role of the same name at jwt-nomad (namespace, job "redis", task "redis").
# Redis: the admin ACL user Vault's Redis plugin connects as.

path "kv/data/flowstack/redis/config" {
  capabilities = ["read"]
}

# Nomad renews the periodic token of the task
path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
