# flowstack-api: generated from infra/vault/src/registry.ts; do not edit by hand.
# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js
# Bound to the JWT role of the same name at jwt-nomad (bound_claims nomad_namespace, nomad_job_id, nomad_task).

# dynamic PostgreSQL user (read-only)
path "database/creds/api-readonly" {
  capabilities = ["read"]
}

# dynamic Redis ACL user limited to its own flowstack:api:* keys
path "database/creds/api-cache" {
  capabilities = ["read"]
}

# dynamic RabbitMQ user that may only publish to the orders exchange
path "rabbitmq/creds/api-publisher" {
  capabilities = ["read"]
}

# its configuration in KV v2
path "kv/data/flowstack/api/config" {
  capabilities = ["read"]
}

# encrypt the customer's e-mail before it leaves the API
path "transit/encrypt/orders-pii" {
  capabilities = ["update"]
}

# decrypt the e-mail of an order it serves
path "transit/decrypt/orders-pii" {
  capabilities = ["update"]
}

# envelope mode: a data key to encrypt locally on the hot path
path "transit/datakey/plaintext/orders-pii" {
  capabilities = ["update"]
}

# issue its TLS certificate (api.service.consul only)
path "pki_int/issue/flowstack-api" {
  capabilities = ["update"]
}

# renew its own database/creds/api-readonly leases at 2/3 of their TTL
path "sys/leases/renew/database/creds/api-readonly/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own database/creds/api-readonly leases on shutdown and after a rotation
path "sys/leases/revoke/database/creds/api-readonly/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# renew its own database/creds/api-cache leases at 2/3 of their TTL
path "sys/leases/renew/database/creds/api-cache/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own database/creds/api-cache leases on shutdown and after a rotation
path "sys/leases/revoke/database/creds/api-cache/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# renew its own rabbitmq/creds/api-publisher leases at 2/3 of their TTL
path "sys/leases/renew/rabbitmq/creds/api-publisher/*" {
  capabilities = ["update"]
  denied_parameters = {
    "lease_id" = []
  }
}

# revoke its own rabbitmq/creds/api-publisher leases on shutdown and after a rotation
path "sys/leases/revoke/rabbitmq/creds/api-publisher/*" {
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
