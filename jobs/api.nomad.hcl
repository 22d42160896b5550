# flowstack api: Express 5 behind Traefik, reached through its Connect sidecar.
# The api fetches its own secrets from Vault with the token Nomad gives it (vault.role below):
# see docs/decisions/003-services-fetch-their-own-secrets.md.

variable "datacenters" {
  type        = list(string)
  default     = ["dc1"]
  description = "Datacenters the api may run in."
}

variable "image" {
  type        = string
  default     = "flowstack/api:0.1.0"
  description = "api image, pinned by version (built from services/api/Dockerfile)."
}

variable "count" {
  type        = number
  default     = 2
  description = "Number of api instances."
}

variable "cpu" {
  type    = number
  default = 300
}

variable "memory" {
  type    = number
  default = 256
}

variable "memory_max" {
  type    = number
  default = 512
}

variable "log_level" {
  type    = string
  default = "info"
}

job "api" {
  datacenters = var.datacenters
  type        = "service"

  update {
    max_parallel      = 1
    canary            = 1
    auto_revert       = true
    auto_promote      = false
    health_check      = "checks"
    min_healthy_time  = "15s"
    healthy_deadline  = "3m"
    progress_deadline = "10m"
  }

  group "api" {
    count = var.count

    # Deregister from Consul first, so Traefik stops routing before SIGTERM reaches the process.
    shutdown_delay = "5s"

    network {
      mode = "bridge"
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "10s"
      mode     = "delay"
    }

    reschedule {
      delay          = "15s"
      delay_function = "exponential"
      max_delay      = "5m"
      unlimited      = true
    }

    service {
      name = "flowstack-api"
      port = "3000"

      tags = [
        "traefik.enable=true",
        "traefik.consulcatalog.connect=true",
        "traefik.http.routers.flowstack-api.rule=PathPrefix(`/v1`) || Path(`/openapi.json`)",
        "traefik.http.routers.flowstack-api.entrypoints=web",
        "traefik.http.services.flowstack-api.loadbalancer.server.port=3000",
      ]

      # While an instance is a canary it gets only these tags: Traefik keeps it apart from the
      # stable instances and routes to it only requests that carry the X-Canary header.
      canary_tags = [
        "traefik.enable=true",
        "traefik.consulcatalog.connect=true",
        "traefik.consulcatalog.canary=true",
        "traefik.http.routers.flowstack-api-canary.rule=(PathPrefix(`/v1`) || Path(`/openapi.json`)) && Header(`X-Canary`, `1`)",
        "traefik.http.routers.flowstack-api-canary.entrypoints=web",
        "traefik.http.routers.flowstack-api-canary.priority=100",
        "traefik.http.services.flowstack-api-canary.loadbalancer.server.port=3000",
      ]

      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "postgres"
              local_bind_port  = 5432
            }
            upstreams {
              destination_name = "redis"
              local_bind_port  = 6379
            }
            upstreams {
              destination_name = "rabbitmq"
              local_bind_port  = 5672
            }
          }
        }
      }

      check {
        name     = "api-ready"
        type     = "http"
        path     = "/health/ready"
        expose   = true
        interval = "10s"
        timeout  = "3s"
      }

      check {
        name     = "api-live"
        type     = "http"
        path     = "/health/live"
        expose   = true
        interval = "10s"
        timeout  = "2s"

        check_restart {
          limit = 3
          grace = "30s"
        }
      }
    }

    task "api" {
      driver = "docker"

      # Nomad logs in with the role, renews the token and rewrites secrets/vault_token; the
      # process reads the file and leases its own credentials, so nothing restarts on rotation.
      vault {
        role        = "flowstack-api"
        change_mode = "noop"
        env         = false
      }

      config {
        image = var.image
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      # Every key is a key of apiConfigSchema (packages/config); the data services are reached
      # through the sidecar's upstreams on 127.0.0.1.
      env {
        LOG_LEVEL           = var.log_level
        HOST                = "0.0.0.0"
        PORT                = "3000"
        SHUTDOWN_TIMEOUT_MS = "5000"
        DRAIN_DELAY_MS      = "5000"
        VAULT_AUTH_METHOD   = "token"
        VAULT_TOKEN_FILE    = "/secrets/vault_token"
        VAULT_ADDR          = "http://${attr.unique.network.ip-address}:8200"
        POSTGRES_HOST       = "127.0.0.1"
        POSTGRES_PORT       = "5432"
        POSTGRES_DB         = "flowstack"
        REDIS_HOST          = "127.0.0.1"
        REDIS_PORT          = "6379"
        RABBITMQ_HOST       = "127.0.0.1"
        RABBITMQ_PORT       = "5672"
        RABBITMQ_VHOST      = "/"
        ORDERS_EXCHANGE     = "flowstack.orders"
        # Longer than Traefik's idle timeout for backend connections (60s, jobs/traefik.nomad.hcl).
        HTTP_KEEP_ALIVE_TIMEOUT_MS = "65000"
      }

      resources {
        cpu        = var.cpu
        memory     = var.memory
        memory_max = var.memory_max
      }
    }
  }
}
