# consumer: a read-only operator or tool with a Vault token (token auth). Reads secrets and
# certificates; it cannot write, issue, encrypt or decrypt. No JWT role hands it out: Nomad
# workloads log in with their own roles at jwt-nomad (infra/vault/src/workload-roles.ts).

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
