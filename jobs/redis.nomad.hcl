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

    # "fail" so that a crash loop ends in a reschedule elsewhere (see jobs/api.nomad.hcl).
    restart {
      attempts = 5
      interval = "10m"
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

      # Only the first render matters (the ACL file is read at startup), and a restart would drop
      # every user Vault created: a renewed token or a KV edit must not restart Redis. env = false
      # keeps VAULT_TOKEN out of the container's environment (Redis never calls Vault).
      vault {
        role        = "flowstack-redis"
        change_mode = "noop"
        env         = false
      }

      config {
        image = var.image
        # maxmemory below memory (256 MB) leaves room for buffers and the ACL users; without it the
        # cache grows until the kernel OOM-kills the task. allkeys-lru because every key is a cache
        # entry the api can rebuild.
        args = [
          "redis-server", "--aclfile", "/secrets/users.acl", "--save", "", "--appendonly", "no",
          "--maxmemory", "200mb", "--maxmemory-policy", "allkeys-lru",
        ]
      }

      # The official image's entrypoint re-executes redis-server as user redis (uid/gid 999) through
      # gosu when it starts as root (docker-library/redis docker-entrypoint.sh, `exec gosu redis`).
      # Nomad renders templates owned by its agent's user unless uid/gid are set (Nomad docs
      # template.mdx, uid), and Redis aborts startup when it cannot read the ACL file (redis
      # src/acl.c, ACLLoadUsersAtStartup), so the file must belong to 999.
      template {
        data        = <<-EOT
          user default off
          {{ with secret "kv/data/flowstack/redis/config" }}user {{ .Data.data.admin_username }} on >{{ .Data.data.admin_password }} ~* &* +@all{{ end }}
        EOT
        destination = "secrets/users.acl"
        perms       = "600"
        uid         = 999
        gid         = 999
        change_mode = "noop"
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
