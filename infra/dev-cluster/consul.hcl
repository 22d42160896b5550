# Consul for the one-machine dev cluster, as a real cluster runs it where it matters to Nomad:
# ACLs on with default deny (Nomad's workload identities log in through an auth method, which
# needs the ACL system) and the TLS gRPC port 8503 for Envoy's xDS (a non-dev Consul opens no
# plaintext gRPC port). up.sh starts `consul agent -dev -config-file <this> -config-file
# <generated tls.hcl>`; the generated file names the certificates it creates with `consul tls`.

acl {
  enabled                  = true
  default_policy           = "deny"
  enable_token_persistence = true
}

ports {
  grpc_tls = 8503
}
