# Consul agent TLS from Vault (files written by infra/dev-cluster/agent-tls.sh <dir>; pass
# -config-file=infra/dev-cluster/agent-tls/consul-tls.hcl and replace /etc/flowstack/tls with <dir>).
# verify_server_hostname: a server must present server.dc1.consul, which only the agents role
# issues, so a client certificate cannot pose as a server.
tls {
  defaults {
    ca_file         = "/etc/flowstack/tls/ca.pem"
    cert_file       = "/etc/flowstack/tls/consul-server.pem"
    key_file        = "/etc/flowstack/tls/consul-server-key.pem"
    verify_incoming = true
    verify_outgoing = true
  }
  internal_rpc {
    verify_server_hostname = true
  }
  https {
    # The CLI and health checks on the host talk HTTPS without a client certificate.
    verify_incoming = false
  }
}

ports {
  https = 8501
}
