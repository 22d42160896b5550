# Traefik v3 as the edge: the Consul Catalog provider, Connect-aware and Connect-native, so it
# reaches flowstack-api through the api's sidecar with mTLS (intention traefik -> flowstack-api in
# infra/consul). Only services tagged traefik.enable=true are exposed. Traefik's own idle timeout
# towards Connect backends is 90s (its Connect ServersTransport sets no forwarding timeouts,
# pkg/provider/consulcatalog/connect_tls.go), so no serverstransport flag is set here.

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
  description = "Host port of the traefik entrypoint: /ping and /metrics (no dashboard, no API)."
}

job "traefik" {
  datacenters = var.datacenters
  type        = "service"

  # The bridge network, CNI and the docker driver exist on Linux clients only.
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

    # "fail" so that a crash loop ends in a reschedule elsewhere (see jobs/api.nomad.hcl).
    restart {
      attempts = 5
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

      # A Consul task identity: Nomad logs it in through the nomad-workloads auth method and sets
      # both CONSUL_TOKEN and CONSUL_HTTP_TOKEN to the token
      # (client/allocrunner/taskrunner/consul_hook.go, Prestart). infra/consul binds this job's
      # task identity to service:write on "traefik", which the connect leaf watch for Traefik's
      # own certificate needs (a read-only token gets 403 and, Connect-aware, Traefik builds no
      # configuration at all until it has that certificate).
      consul {}

      config {
        image = var.image
        # No --providers.consulcatalog.endpoint.token and no shell wrapper: with the token flag
        # empty, Consul's client takes CONSUL_HTTP_TOKEN from the environment (hashicorp/consul
        # api/api.go, NewClient: `if config.Token == "" { config.Token = defConfig.Token }`;
        # traefik pkg/provider/consulcatalog/consul_catalog.go, createClient passes endpoint.token
        # as Config.Token), and the token never appears on the command line (/proc/<pid>/cmdline).
        args = [
          "--entrypoints.web.address=:8080",
          "--entrypoints.traefik.address=:8081",
          "--ping=true",
          "--ping.entrypoint=traefik",
          # No dashboard and no --api.insecure: the admin port carries /ping and /metrics only.
          # docs/deploy.md shows how to publish the dashboard behind authentication.
          "--metrics.prometheus=true",
          "--metrics.prometheus.entrypoint=traefik",
          "--metrics.prometheus.addrouterslabels=true",
          "--providers.consulcatalog=true",
          "--providers.consulcatalog.prefix=traefik",
          "--providers.consulcatalog.exposedbydefault=false",
          "--providers.consulcatalog.connectaware=true",
          "--providers.consulcatalog.connectbydefault=false",
          "--providers.consulcatalog.servicename=traefik",
          "--providers.consulcatalog.refreshinterval=5s",
          # Nomad proxies the local Consul agent's HTTP API into Connect-native bridge groups on
          # this socket (client/allocrunner/consul_http_sock_hook.go; connect_native_hook.go,
          # bridgeEnv sets CONSUL_HTTP_ADDR to it). Traefik's endpoint.address defaults to
          # 127.0.0.1:8500, which inside the namespace is nothing, so it is set explicitly;
          # Consul's client dials unix:// addresses itself (api/api.go, NewClient).
          "--providers.consulcatalog.endpoint.address=unix:///alloc/tmp/consul_http.sock",
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
