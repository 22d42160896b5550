# Nomad server agent: workload identity for Vault and Consul (Nomad >= 1.10 has no token
# workflow). Tasks get a JWT signed by Nomad; Vault's jwt-nomad auth method and Consul's
# nomad-workloads auth method verify it against http://<nomad>:4646/.well-known/jwks.json.

server {
  enabled = true

  default_scheduler_config {
    # Tasks declare memory_max; without oversubscription Nomad ignores it.
    memory_oversubscription_enabled = true
  }
}

vault {
  enabled = true

  default_identity {
    aud = ["vault.io"]
    ttl = "1h"
  }
}

consul {
  address = "127.0.0.1:8500"

  service_identity {
    aud = ["consul.io"]
    ttl = "1h"
  }

  task_identity {
    aud = ["consul.io"]
    ttl = "1h"
  }
}

telemetry {
  prometheus_metrics         = true
  publish_allocation_metrics = true
  publish_node_metrics       = true
}
