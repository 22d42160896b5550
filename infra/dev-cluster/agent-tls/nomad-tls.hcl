# Nomad agent TLS from Vault (files written by infra/dev-cluster/agent-tls.sh <dir>).
# A server presents server.global.nomad, a client client.global.nomad; verify_server_hostname
# makes a client certificate useless for joining as a server.
tls {
  http = true
  rpc  = true

  ca_file   = "/etc/flowstack/tls/ca.pem"
  cert_file = "/etc/flowstack/tls/nomad-server.pem"
  key_file  = "/etc/flowstack/tls/nomad-server-key.pem"

  verify_server_hostname = true
  verify_https_client    = false
}
