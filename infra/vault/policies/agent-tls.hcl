# agent-tls: what infra/dev-cluster/agent-tls.sh needs to issue and renew the Consul and Nomad
# agents' certificates (role pki_int/roles/agents), and to keep its own token alive.

path "pki_int/issue/agents" {
  capabilities = ["update"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
