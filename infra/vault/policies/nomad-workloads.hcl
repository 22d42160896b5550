# nomad-workloads: the default JWT role's policy at jwt-nomad, as `nomad setup vault` writes it
# (hashicorp/nomad command/asset/vault-wi-default-policy.hcl, rendered for the `kv` mount).
# The bootstrap replaces auth_jwt_X with the accessor of the jwt-nomad mount, so each job reads
# only kv/data/<its Nomad namespace>/<its job id>[/*]. Nothing of flowstack's (kv/data/flowstack/*,
# Transit, PKI, database or RabbitMQ credentials) is reachable through it.

path "kv/data/{{identity.entity.aliases.auth_jwt_X.metadata.nomad_namespace}}/{{identity.entity.aliases.auth_jwt_X.metadata.nomad_job_id}}/*" {
  capabilities = ["read"]
}

path "kv/data/{{identity.entity.aliases.auth_jwt_X.metadata.nomad_namespace}}/{{identity.entity.aliases.auth_jwt_X.metadata.nomad_job_id}}" {
  capabilities = ["read"]
}

path "kv/metadata/{{identity.entity.aliases.auth_jwt_X.metadata.nomad_namespace}}/*" {
  capabilities = ["list"]
}

path "kv/metadata/*" {
  capabilities = ["list"]
}
