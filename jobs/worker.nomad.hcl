# flowstack worker: consumes order.created from RabbitMQ and stores orders in PostgreSQL.
# Like the api, it fetches its own secrets from Vault with the task's token (vault.role below).
# Its prestart task "migrate" runs flowstack-migrate; the worker image carries packages/domain.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

# A reserved, never-resolving registry (RFC 2606 .invalid) instead of Docker Hub: see jobs/api.nomad.hcl.
variable "image" {
  type        = string
  default     = "registry.invalid/flowstack/worker:0.1.0"
  description = "worker image, pinned by version (built from services/worker/Dockerfile); always set with -var."
}

variable "count" {
  type        = number
  default     = 2
  description = "worker instances at the first deploy; from then on the Nomad Autoscaler owns the count (deploy.sh submits with -preserve-counts)."
}

variable "min_count" {
  type        = number
  default     = 2
  description = "Fewest workers the autoscaler keeps: two, so that losing a client never stops the order queue's consumption."
}

variable "max_count" {
  type        = number
  default     = 8
  description = "Most workers the autoscaler places (each holds WORKER_PREFETCH unacknowledged messages)."
}

variable "target_backlog" {
  type        = number
  default     = 1000
  description = "Ready messages per worker the autoscaler aims for (about half a second of one worker's drain rate in docs/performance.md)."
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

job "worker" {
  datacenters = var.datacenters
  type        = "service"

  # Bridge networking, CNI and the docker driver exist on Linux clients only.
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  # A worker canary is not isolated like the api's: it consumes from the same queue as the stable
  # instances, so while it waits for promotion it stores a share (about 1 / (count + 1)) of the
  # real orders. Promote or fail it only after watching its logs and metrics (docs/deploy.md).
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

  group "worker" {
    count = var.count

    # Workers on as many clients as there are (see jobs/api.nomad.hcl).
    spread {
      attribute = "${node.unique.id}"
      weight    = 100
    }

    # For the Nomad Autoscaler: the order queue's ready messages per worker, kept at
    # target_backlog (target-value strategy, see jobs/api.nomad.hcl). Every worker reports the
    # same broker-side depth (flowstack_queue_depth, read at scrape time), so max() is the
    # queue's depth once, divided by the workers Prometheus reaches.
    scaling {
      enabled = true
      min     = var.min_count
      max     = var.max_count

      policy {
        evaluation_interval = "30s"
        cooldown            = "2m"

        check "queue_depth" {
          source = "prometheus"
          query  = "max(flowstack_queue_depth{job=\"flowstack-worker\",queue=\"flowstack.orders.store\"}) / count(up{job=\"flowstack-worker\"} == 1)"

          strategy "target-value" {
            target = var.target_backlog
          }
        }
      }
    }

    network {
      mode = "bridge"

      # Envoy's expose listener for /metrics (see jobs/api.nomad.hcl).
      port "metrics" {
        to = -1
      }
    }

    # "fail" so that a crash loop ends in a reschedule elsewhere (see jobs/api.nomad.hcl).
    restart {
      attempts = 3
      interval = "5m"
      delay    = "10s"
      mode     = "fail"
    }

    reschedule {
      delay          = "15s"
      delay_function = "exponential"
      max_delay      = "5m"
      unlimited      = true
    }

    service {
      name        = "flowstack-worker"
      port        = "3001"
      tags        = ["worker"]
      canary_tags = ["worker", "canary"]

      meta {
        metrics_port = "${NOMAD_HOST_PORT_metrics}"
      }

      connect {
        sidecar_service {
          proxy {
            expose {
              path {
                path            = "/metrics"
                protocol        = "http"
                local_path_port = 3001
                listener_port   = "metrics"
              }
            }
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
        name     = "worker-ready"
        type     = "http"
        path     = "/health/ready"
        expose   = true
        interval = "10s"
        timeout  = "3s"
      }

      check {
        name     = "worker-live"
        type     = "http"
        path     = "/health/live"
        expose   = true
        interval = "10s"
        timeout  = "2s"
        # Restart the worker task only, not the allocation with its Envoy (see jobs/api.nomad.hcl).
        task = "worker"

        check_restart {
          limit = 3
          grace = "30s"
        }
      }
    }

    # flowstack-migrate (packages/domain) before the worker starts: every new version brings the
    # schema forward first (migrations are additive and safe to run from several allocations at
    # once). It runs as the PostgreSQL admin, read from KV through the default role, so the
    # tables are owned by the admin and the default privileges give the service groups their
    # access. Prestart tasks start together with the Envoy sidecar, so 127.0.0.1:5432 may refuse
    # the first connections: flowstack-migrate retries refused connections for up to a minute
    # instead of exiting into the group's restart delay.
    task "migrate" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      # A one-shot task: if the token expires mid-run the task still finishes its migration.
      vault {
        role                   = "flowstack-migrate"
        allow_token_expiration = true
      }

      config {
        image   = var.image
        command = "node"
        # --seed upserts the sample catalog (ON CONFLICT DO UPDATE), so every run is idempotent
        # and a fresh cluster has products to order; drop it when the catalog is your own.
        args = ["/app/packages/domain/dist/migrate-cli.js", "--seed"]
      }

      template {
        data        = <<-EOT
          {{ with secret "kv/data/flowstack/postgres/config" }}
          POSTGRES_USER={{ .Data.data.admin_username }}
          POSTGRES_PASSWORD={{ .Data.data.admin_password }}
          {{ end }}
        EOT
        destination = "secrets/postgres.env"
        env         = true
        change_mode = "restart"
      }

      env {
        LOG_LEVEL     = var.log_level
        POSTGRES_HOST = "127.0.0.1"
        POSTGRES_PORT = "5432"
        POSTGRES_DB   = "flowstack"
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "15s"

      resources {
        cpu        = 200
        memory     = 128
        memory_max = 256
      }
    }

    task "worker" {
      driver = "docker"

      # Nomad logs in with the role, renews the token and rewrites secrets/vault_token; the
      # process reads the file and leases its own credentials, so nothing restarts on rotation.
      vault {
        role        = "flowstack-worker"
        change_mode = "noop"
        env         = false
      }

      config {
        image = var.image
      }

      kill_signal = "SIGTERM"
      # Shutdown cancels consumption, lets in-flight messages commit and ack, then closes
      # five steps of at most SHUTDOWN_TIMEOUT_MS each after DRAIN_DELAY_MS.
      kill_timeout = "30s"

      env {
        LOG_LEVEL           = var.log_level
        HOST                = "0.0.0.0"
        HEALTH_PORT         = "3001"
        SHUTDOWN_TIMEOUT_MS = "5000"
        DRAIN_DELAY_MS      = "1000"
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
        ORDERS_QUEUE        = "flowstack.orders.store"
        WORKER_PREFETCH     = "200"
        WORKER_BATCH_SIZE   = "100"
        # The Vault bootstrap declares the exchange; the leased user may not configure it.
        ORDERS_EXCHANGE_DECLARE = "false"
        # V8 heap bounds (docs/performance.md, worker RSS): draining a backlog without them the
        # worker peaks at 144-194 MB RSS, with them at ~130 MB. The young generation is twice the
        # api's: at 4 MB its batches in flight are promoted and a message costs ~60 % more CPU.
        NODE_OPTIONS = "--max-semi-space-size=8 --max-old-space-size=128"
      }

      resources {
        cpu        = var.cpu
        memory     = var.memory
        memory_max = var.memory_max
      }
    }
  }
}
