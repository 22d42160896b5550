# flowstack-migrate (packages/domain) as a batch job: brings the database to the current schema.
# Run it after postgres is healthy and before api and worker (infra/dev-cluster does). It uses the
# api image, which carries packages/domain and its migrations.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "flowstack/api:0.1.0"
}

job "migrate" {
  datacenters = var.datacenters
  type        = "batch"

  group "migrate" {
    count = 1

    network {
      mode = "bridge"
    }

    restart {
      attempts = 3
      interval = "10m"
      delay    = "15s"
      mode     = "fail"
    }

    reschedule {
      attempts  = 2
      interval  = "1h"
      delay     = "30s"
      unlimited = false
    }

    service {
      name = "flowstack-migrate"

      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "postgres"
              local_bind_port  = 5432
            }
          }
        }
      }
    }

    task "migrate" {
      driver = "docker"

      # The default role (policy consumer) reads the PostgreSQL admin from KV: the migrations run
      # as the admin, whose default privileges give flowstack_readonly/readwrite the new tables.
      vault {
        role = "nomad-workloads"
      }

      config {
        image   = var.image
        command = "node"
        args    = ["/app/packages/domain/dist/migrate-cli.js"]
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
        LOG_LEVEL     = "info"
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
  }
}
