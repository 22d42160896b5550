# PostgreSQL for flowstack, in the mesh as "postgres". Its data lives on the dynamic host volume
# "flowstack-pgdata" (infra/nomad/volumes/pgdata.volume.hcl): the volume and the allocation stay
# on the node that holds the data. The admin credentials (used by Vault's database engine) come
# from Vault KV at kv/data/flowstack/postgres/config.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "postgres:17.5-bookworm"
}

variable "admin_port" {
  type        = number
  default     = 15432
  description = "Host port Vault's database engine (outside the mesh) manages users through."
}

variable "volume" {
  type        = string
  default     = "flowstack-pgdata"
  description = "Name of the host volume holding PGDATA."
}

job "postgres" {
  datacenters = var.datacenters
  type        = "service"

  # Bridge networking, CNI and the docker driver exist on Linux clients only.
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  update {
    max_parallel      = 1
    canary            = 0
    auto_revert       = true
    health_check      = "checks"
    min_healthy_time  = "10s"
    healthy_deadline  = "5m"
    progress_deadline = "10m"
  }

  group "postgres" {
    count = 1

    network {
      mode = "bridge"

      port "admin" {
        static = var.admin_port
        to     = 5432
      }
    }

    volume "pgdata" {
      type            = "host"
      source          = var.volume
      read_only       = false
      sticky          = true
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
    }

    # "fail" so that a crash loop ends in a reschedule (sticky: back to the volume's node).
    restart {
      attempts = 5
      interval = "10m"
      delay    = "15s"
      mode     = "fail"
    }

    reschedule {
      delay          = "30s"
      delay_function = "exponential"
      max_delay      = "10m"
      unlimited      = true
    }

    service {
      name = "postgres"
      port = "5432"

      connect {
        sidecar_service {}
      }

      check {
        name     = "postgres-ready"
        type     = "script"
        task     = "postgres"
        command  = "pg_isready"
        args     = ["-h", "127.0.0.1", "-p", "5432"]
        interval = "10s"
        timeout  = "3s"
      }
    }

    # Vault runs outside the mesh; its database engine creates and revokes users through this port.
    service {
      name = "postgres-admin"
      port = "admin"

      check {
        name     = "postgres-admin-tcp"
        type     = "tcp"
        port     = "admin"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "postgres" {
      driver = "docker"

      # The admin credentials matter only at initdb; a renewed token or a KV edit must not
      # restart the database. env = false keeps VAULT_TOKEN out of PostgreSQL's environment.
      vault {
        role        = "flowstack-postgres"
        change_mode = "noop"
        env         = false
      }

      config {
        image = var.image
      }

      volume_mount {
        volume      = "pgdata"
        destination = "/var/lib/postgresql/data"
      }

      # Read once, when the data directory is first initialised: noop, a re-render changes nothing
      # that a restart would apply (the entrypoint skips initdb on an existing PGDATA).
      template {
        data        = <<-EOT
          {{ with secret "kv/data/flowstack/postgres/config" }}
          POSTGRES_USER={{ .Data.data.admin_username }}
          POSTGRES_PASSWORD={{ .Data.data.admin_password }}
          {{ end }}
        EOT
        destination = "secrets/admin.env"
        env         = true
        change_mode = "noop"
      }

      env {
        POSTGRES_DB          = "flowstack"
        PGDATA               = "/var/lib/postgresql/data/pgdata"
        POSTGRES_INITDB_ARGS = "--auth-host=scram-sha-256"
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      resources {
        cpu        = 500
        memory     = 512
        memory_max = 1024
      }
    }
  }
}
