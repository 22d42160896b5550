# Traefik v3 as the edge: the Consul Catalog provider, Connect-aware and Connect-native, so it
# reaches flowstack-api through the api's sidecar with mTLS (intention traefik -> flowstack-api in
# infra/consul). Only services tagged traefik.enable=true are exposed.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "traefik:v3.5.0"
}

variable "count" {
  type    = number
  default = 1
}

variable "http_port" {
  type        = number
  default     = 8080
  description = "Host port of the web entrypoint (the URL users call)."
}

variable "admin_port" {
  type        = number
  default     = 8081
  description = "Host port of the traefik entrypoint: /ping, dashboard, /metrics."
}

job "traefik" {
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

  group "traefik" {
    count = var.count

    network {
      mode = "bridge"

      port "http" {
        static = var.http_port
        to     = 8080
      }

      port "admin" {
        static = var.admin_port
        to     = 8081
      }
    }

    restart {
      attempts = 5
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

    # Connect-native: the service name is the identity Traefik asks Consul leaf certificates for,
    # so it must equal --providers.consulcatalog.servicename.
    service {
      name = "traefik"
      port = "http"
      task = "traefik"

      connect {
        native = true
      }

      check {
        name     = "traefik-ping"
        type     = "http"
        port     = "admin"
        path     = "/ping"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "traefik" {
      driver = "docker"

      # Asks Nomad for a Consul task identity: the token arrives as CONSUL_TOKEN.
      consul {}

      config {
        image = var.image
        # Nomad injects the Consul token as CONSUL_TOKEN; Traefik's provider takes it as
        # endpoint.token (pitfall: without it the catalog is empty or leaf certificates are denied).
        entrypoint = ["/bin/sh", "-c", "exec traefik \"$@\" --providers.consulcatalog.endpoint.token=\"$${CONSUL_TOKEN:-}\"", "traefik"]
        args = [
          "--entrypoints.web.address=:8080",
          "--entrypoints.traefik.address=:8081",
          "--ping=true",
          "--ping.entrypoint=traefik",
          "--api.dashboard=true",
          "--api.insecure=true",
          "--metrics.prometheus=true",
          "--metrics.prometheus.entrypoint=traefik",
          "--metrics.prometheus.addrouterslabels=true",
          "--serverstransport.forwardingtimeouts.idleconntimeout=60s",
          "--providers.consulcatalog=true",
          "--providers.consulcatalog.prefix=traefik",
          "--providers.consulcatalog.exposedbydefault=false",
          "--providers.consulcatalog.connectaware=true",
          "--providers.consulcatalog.connectbydefault=false",
          "--providers.consulcatalog.servicename=traefik",
          "--providers.consulcatalog.refreshinterval=5s",
          "--providers.consulcatalog.endpoint.address=${attr.unique.network.ip-address}:8500",
        ]
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "15s"

      resources {
        cpu        = 300
        memory     = 128
        memory_max = 256
      }
    }
  }
}
