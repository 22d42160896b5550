# admin: human operators, who log in through OIDC or userpass.
# Full access to secrets (KV and the dynamic-credential engines), certificates (both PKI mounts)
# and Transit. It is not a root token: auth methods, policies and sys/ stay with the bootstrap.

path "kv/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "database/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "rabbitmq/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "pki/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "pki_int/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "transit/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}
