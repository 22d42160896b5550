# flowstack-worker: generated from infra/vault/src/registry.ts; do not edit by hand.
# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js
# Bound to the JWT role of the same name at jwt-nomad (bound_claims nomad_namespace, nomad_job_id, nomad_task).

# dynamic PostgreSQL user (read-write)
path "database/creds/worker-readwrite" {
  capabilities = ["read"]
}

# dynamic Redis ACL user limited to its own flowstack:worker:* keys
path "database/creds/worker-cache" {
  capabilities = ["read"]
}

# dynamic RabbitMQ user that consumes the orders queue and moves retries/dead letters
path "rabbitmq/creds/worker-consumer" {
  capabilities = ["read"]
}

# its configuration in KV v2
path "kv/data/flowstack/worker/config" {
  capabilities = ["read"]
}

# renew its own database/creds/worker-readwrite leases at 2/3 of their TTL
path "sys/leases/renew/database/creds/worker-readwrite/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own database/creds/worker-readwrite leases on shutdown and after a rotation
path "sys/leases/revoke/database/creds/worker-readwrite/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# renew its own database/creds/worker-cache leases at 2/3 of their TTL
path "sys/leases/renew/database/creds/worker-cache/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own database/creds/worker-cache leases on shutdown and after a rotation
path "sys/leases/revoke/database/creds/worker-cache/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# renew its own rabbitmq/creds/worker-consumer leases at 2/3 of their TTL
path "sys/leases/renew/rabbitmq/creds/worker-consumer/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own rabbitmq/creds/worker-consumer leases on shutdown and after a rotation
path "sys/leases/revoke/rabbitmq/creds/worker-consumer/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# renew its own token
path "auth/token/renew-self" {
  capabilities = ["update"]
}

# read its token TTL
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# revoke its own token on shutdown, so it does not outlive the process
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
