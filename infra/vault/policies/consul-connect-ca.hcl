# consul-connect-ca: the token Consul's servers give their Vault CA provider
# (infra/consul/connect-ca.hcl). Exactly the policy Consul's documentation gives for a root PKI
# mount that Vault manages and an intermediate mount that Consul manages
# (hashicorp/consul website/content/docs/connect/ca/vault.mdx, and the calls in
# agent/connect/ca/provider_vault.go): read the mounts, tune the intermediate, read the root,
# have the root sign Consul's intermediate, everything under the intermediate, keep its token.
# The bootstrap mounts both paths and generates the root; Consul never generates a root here.

path "/sys/mounts/connect_root" {
  capabilities = [ "read" ]
}

path "/sys/mounts/connect_dc1_inter" {
  capabilities = [ "read" ]
}

path "/sys/mounts/connect_dc1_inter/tune" {
  capabilities = [ "update" ]
}

path "/connect_root/" {
  capabilities = [ "read" ]
}

path "/connect_root/root/sign-intermediate" {
  capabilities = [ "update" ]
}

path "/connect_dc1_inter/*" {
  capabilities = [ "create", "read", "update", "delete", "list" ]
}

path "auth/token/renew-self" {
  capabilities = [ "update" ]
}

path "auth/token/lookup-self" {
  capabilities = [ "read" ]
}
