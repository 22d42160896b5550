# Nomad client agent: logs in to Vault through the jwt-nomad auth method and to Consul through
# the nomad-workloads auth method with the identities the servers sign.

client {
  enabled = true

  # The jobs' kill_timeout values are checked against this (npm run validate:jobs).
  max_kill_timeout = "60s"

  # Bridge networking and Connect sidecars need the reference CNI plugins here (some
  # distributions ship them in /usr/lib/cni: change this, infra/dev-cluster/up.sh reads it).
  cni_path = "/opt/cni/bin"
}

vault {
  enabled               = true
  address               = "http://127.0.0.1:8200"
  jwt_auth_backend_path = "jwt-nomad"
}

consul {
  address = "127.0.0.1:8500"

  # Envoy fetches its xDS configuration over gRPC. A non-dev Consul opens no plaintext gRPC port
  # (8502 is disabled by default) and serves gRPC over TLS on 8503 (ports.grpc_tls), so Nomad
  # needs the CA that signed the agent's certificate to bootstrap Envoy. The path is the one
  # `consul tls ca create` output is usually installed under; the dev cluster overrides it.
  grpc_address = "127.0.0.1:8503"
  grpc_ca_file = "/etc/consul.d/tls/consul-agent-ca.pem"

  # Created by `npm run infra:consul -- --nomad-jwks-url ...` (what `nomad setup consul` does).
  service_auth_method = "nomad-workloads"
  task_auth_method    = "nomad-workloads"
}

plugin "docker" {
  config {
    # Script checks (pg_isready, rabbitmq-diagnostics) run inside the containers.
    allow_privileged = false
  }
}
