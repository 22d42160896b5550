# RabbitMQ for flowstack: AMQP in the mesh as "rabbitmq"; the management API (which Vault's
# RabbitMQ engine calls to create the api-publisher and worker-consumer users) as
# "rabbitmq-management" on a host port. The administrator comes from Vault KV at
# kv/data/flowstack/rabbitmq/config.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "rabbitmq:4.1.2-management"
}

variable "volume" {
  type        = string
  default     = "flowstack-rabbitmq"
  description = "Name of the host volume holding /var/lib/rabbitmq (infra/nomad/volumes/rabbitmq.volume.hcl)."
}

variable "management_port" {
  type        = number
  default     = 15672
  description = "Host port of the management API, which Vault's RabbitMQ engine calls."
}

job "rabbitmq" {
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

  group "rabbitmq" {
    count = 1

    network {
      mode = "bridge"
      # RabbitMQ keeps its data under the node name rabbit@<hostname>. A fresh container gets a new
      # hostname, so without a fixed one a restart starts an empty node beside the old data:
      # queued orders the api already acknowledged with 202, and the users Vault created, are gone.
      hostname = "rabbitmq"

      port "management" {
        static = var.management_port
        to     = 15672
      }
    }

    # The queue's messages and the node's users survive restarts and reschedules: they live on
    # this sticky host volume, so a rescheduled allocation returns to the node holding them.
    volume "data" {
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
      name = "rabbitmq"
      port = "5672"

      connect {
        sidecar_service {}
      }

      check {
        name     = "rabbitmq-ping"
        type     = "script"
        task     = "rabbitmq"
        command  = "rabbitmq-diagnostics"
        args     = ["-q", "ping"]
        interval = "15s"
        timeout  = "10s"
      }
    }

    service {
      name = "rabbitmq-management"
      port = "management"

      check {
        name     = "rabbitmq-management-tcp"
        type     = "tcp"
        port     = "management"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "rabbitmq" {
      driver = "docker"

      # The administrator is read when the node first boots; a renewed token or a KV edit must
      # not restart the broker. env = false keeps VAULT_TOKEN out of its environment.
      vault {
        role        = "flowstack-rabbitmq"
        change_mode = "noop"
        env         = false
      }

      config {
        image = var.image
      }

      volume_mount {
        volume      = "data"
        destination = "/var/lib/rabbitmq"
      }

      env {
        # The same node name on every start, so the data directory above is the node's own.
        RABBITMQ_NODENAME = "rabbit@rabbitmq"
      }

      # Read when the node first boots; Vault's engine needs the administrator tag, which the
      # default user has.
      template {
        data        = <<-EOT
          {{ with secret "kv/data/flowstack/rabbitmq/config" }}
          RABBITMQ_DEFAULT_USER={{ .Data.data.admin_username }}
          RABBITMQ_DEFAULT_PASS={{ .Data.data.admin_password }}
          {{ end }}
        EOT
        destination = "secrets/admin.env"
        env         = true
        change_mode = "noop"
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
