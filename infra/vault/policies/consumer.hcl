# consumer: Nomad workloads that log in through JWT (the default role nomad-workloads at
# jwt-nomad). Reads secrets, reads certificates, decrypts. It cannot write, issue or encrypt.
# flowstack's own jobs use their per-service roles (flowstack-api, flowstack-worker) instead.

path "kv/data/*" {
  capabilities = ["read"]
}

path "kv/metadata/*" {
  capabilities = ["read", "list"]
}

path "pki/cert/*" {
  capabilities = ["read"]
}

path "pki_int/cert/*" {
  capabilities = ["read"]
}

path "pki_int/certs" {
  capabilities = ["list"]
}

path "pki_int/ca_chain" {
  capabilities = ["read"]
}

path "transit/decrypt/*" {
  capabilities = ["update"]
}
