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

variable "management_port" {
  type        = number
  default     = 15672
  description = "Host port of the management API, which Vault's RabbitMQ engine calls."
}

job "rabbitmq" {
  datacenters = var.datacenters
  type        = "service"

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

      port "management" {
        static = var.management_port
        to     = 15672
      }
    }

    restart {
      attempts = 5
      interval = "10m"
      delay    = "15s"
      mode     = "delay"
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

      vault {
        role = "nomad-workloads"
      }

      config {
        image = var.image
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
        change_mode = "restart"
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
