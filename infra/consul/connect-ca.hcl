# Consul Connect with Vault as its CA provider. Pass to the Consul servers with
# -config-file=infra/consul/connect-ca.hcl together with a file that sets the token, e.g.
#   connect { ca_config { token = "<token from auth/token/create/consul-connect-ca>" } }
# (agent-tls.sh's directory is a good home for it; never commit the token). Consul merges both.
# The Vault side (both mounts, the root, policy consul-connect-ca and the token role of the same
# name) is configured by `npm run infra:vault`. Field names: Consul's agent configuration,
# connect.ca_provider / connect.ca_config (website/content/docs/connect/ca/vault.mdx).
connect {
  enabled     = true
  ca_provider = "vault"
  ca_config {
    address               = "http://127.0.0.1:8200"
    root_pki_path         = "connect_root"
    intermediate_pki_path = "connect_dc1_inter"
    leaf_cert_ttl         = "72h"
    intermediate_cert_ttl = "8760h"
    private_key_type      = "ec"
    private_key_bits      = 256
  }
}
