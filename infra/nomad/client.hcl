# Nomad client agent: logs in to Vault through the jwt-nomad auth method and to Consul through
# the nomad-workloads auth method with the identities the servers sign.

client {
  enabled = true

  # The jobs' kill_timeout values are checked against this (npm run validate:jobs).
  max_kill_timeout = "60s"

  # Bridge networking and Connect sidecars need the reference CNI plugins here.
  cni_path = "/opt/cni/bin"
}

vault {
  enabled               = true
  address               = "http://127.0.0.1:8200"
  jwt_auth_backend_path = "jwt-nomad"
}

consul {
  address             = "127.0.0.1:8500"
  grpc_address        = "127.0.0.1:8502"
  service_auth_method = "nomad-workloads"
  task_auth_method    = "nomad-workloads"
}

plugin "docker" {
  config {
    # Script checks (pg_isready, rabbitmq-diagnostics) run inside the containers.
    allow_privileged = false
  }
}
