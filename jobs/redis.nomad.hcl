# Redis for flowstack, in the mesh as "redis", with ACLs on: the default user is off and the admin
# user (which Vault's database engine uses to create the api-cache and worker-cache users) comes
# from Vault KV at kv/data/flowstack/redis/config.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "redis:7.4.5-bookworm"
}

variable "admin_port" {
  type        = number
  default     = 16379
  description = "Host port Vault's database engine (outside the mesh) manages ACL users through."
}

job "redis" {
  datacenters = var.datacenters
  type        = "service"

  update {
    max_parallel      = 1
    canary            = 0
    auto_revert       = true
    health_check      = "checks"
    min_healthy_time  = "10s"
    healthy_deadline  = "3m"
    progress_deadline = "10m"
  }

  group "redis" {
    count = 1

    network {
      mode = "bridge"

      port "admin" {
        static = var.admin_port
        to     = 6379
      }
    }

    restart {
      attempts = 5
      interval = "10m"
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
      name = "redis"
      port = "6379"

      connect {
        sidecar_service {}
      }

      # The Consul agent reaches the allocation's own address: the port is not mapped on the host.
      check {
        name         = "redis-tcp"
        type         = "tcp"
        port         = 6379
        address_mode = "alloc"
        interval     = "10s"
        timeout      = "2s"
      }
    }

    # Vault runs outside the mesh; its database engine creates and revokes ACL users through this port.
    service {
      name = "redis-admin"
      port = "admin"

      check {
        name     = "redis-admin-tcp"
        type     = "tcp"
        port     = "admin"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "redis" {
      driver = "docker"

      vault {
        role = "nomad-workloads"
      }

      config {
        image = var.image
        args  = ["redis-server", "--aclfile", "/secrets/users.acl", "--save", "", "--appendonly", "no"]
      }

      # A restart drops the users Vault created; the services' lease managers fetch new ones.
      template {
        data        = <<-EOT
          user default off
          {{ with secret "kv/data/flowstack/redis/config" }}user {{ .Data.data.admin_username }} on >{{ .Data.data.admin_password }} ~* &* +@all{{ end }}
        EOT
        destination = "secrets/users.acl"
        perms       = "600"
        change_mode = "restart"
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "15s"

      resources {
        cpu        = 300
        memory     = 256
        memory_max = 512
      }
    }
  }
}
