# flowstack api: Express 5 behind Traefik, reached through its Connect sidecar.
# The api fetches its own secrets from Vault with the token Nomad gives it (vault.role below):
# see docs/decisions/003-services-fetch-their-own-secrets.md.

variable "datacenters" {
  type        = list(string)
  default     = ["dc1"]
  description = "Datacenters the api may run in."
}

# No Docker Hub default: a bare "flowstack/api" would pull docker.io/flowstack/api, a namespace the
# project does not own. The default names a reserved, never-resolving registry (RFC 2606 .invalid),
# so forgetting -var image=... fails the pull instead of running someone else's image.
# infra/nomad/deploy.sh passes $FLOWSTACK_REGISTRY/api:<version>; up.sh a locally built localhost/ tag.
variable "image" {
  type        = string
  default     = "registry.invalid/flowstack/api:0.1.0"
  description = "api image, pinned by version (built from services/api/Dockerfile); always set with -var."
}

variable "count" {
  type        = number
  default     = 2
  description = "api instances at the first deploy; from then on the Nomad Autoscaler owns the count (deploy.sh submits with -preserve-counts)."
}

variable "min_count" {
  type        = number
  default     = 2
  description = "Fewest api instances the autoscaler keeps: two, so that losing a client never leaves the routes without an instance."
}

variable "max_count" {
  type        = number
  default     = 10
  description = "Most api instances the autoscaler places."
}

variable "target_rps" {
  type        = number
  default     = 250
  description = "Requests per second per api instance the autoscaler aims for (about half of one instance's mixed-load throughput in docs/performance.md)."
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

  # Bridge networking, CNI and the docker driver exist on Linux clients only.
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

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

    # Instances on as many clients as there are: a client's loss then takes one instance, not
    # the service. A spread rather than distinct_hosts, so the autoscaler may still place more
    # instances than there are clients.
    spread {
      attribute = "${node.unique.id}"
      weight    = 100
    }

    # For the Nomad Autoscaler (docs/deploy.md, "Scaling"): the request rate per instance from
    # Prometheus, kept at target_rps by the target-value strategy (new count = ceil(count x
    # metric / target): hashicorp/nomad-autoscaler
    # plugins/builtin/strategy/target-value/plugin/plugin.go). The query returns one series
    # (the Prometheus APM refuses more: plugins/builtin/apm/prometheus/plugin/plugin.go, Query,
    # and refuses NaN: a vector division returns nothing rather than NaN while no target is up).
    # Nomad checks min <= count <= max at submission (Job.Validate: nomad/structs/structs_test.go,
    # TestJob_ValidateScaling).
    scaling {
      enabled = true
      min     = var.min_count
      max     = var.max_count

      policy {
        evaluation_interval = "30s"
        cooldown            = "2m"

        check "request_rate" {
          source = "prometheus"
          query  = "sum(rate(flowstack_http_request_duration_seconds_count{job=\"flowstack-api\"}[1m])) / count(up{job=\"flowstack-api\"} == 1)"

          strategy "target-value" {
            target = var.target_rps
          }
        }
      }
    }

    # Deregister from Consul first, so Traefik stops routing before SIGTERM reaches the process.
    shutdown_delay = "5s"

    network {
      mode = "bridge"

      # Envoy's expose listener for /metrics (the app port stays inside the namespace). to = -1
      # maps the dynamic host port to the same number inside, as Nomad's expose examples do.
      port "metrics" {
        to = -1
      }
    }

    # mode = "fail": after 3 crashes in 5m the allocation is marked failed and the reschedule
    # block below places it elsewhere. With "delay" the client keeps retrying on the same node
    # forever and reschedule never fires (client/allocrunner/taskrunner/restarts/restarts.go,
    # handleWaitResult: only RestartPolicyModeFail returns TaskNotRestarting).
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
      name = "flowstack-api"
      port = "3000"

      # Prometheus (infra/observability/prometheus) scrapes <service address>:<metrics_port>:
      # the Envoy expose listener below, the only way in to /metrics under bridge mode.
      meta {
        metrics_port = "${NOMAD_HOST_PORT_metrics}"
      }

      # No traefik.http.services.*.loadbalancer.server.port here: for a Connect item Traefik lists
      # the sidecar registrations and a label port replaces the sidecar's port
      # (traefik pkg/provider/consulcatalog/config.go, addServer: `port :=
      # loadBalancer.Servers[0].Port; if port == "" { port = item.Port }`), so a pin would make it
      # dial <node>:3000, where nothing listens under bridge mode.
      tags = [
        "traefik.enable=true",
        "traefik.consulcatalog.connect=true",
        "traefik.http.routers.flowstack-api.rule=PathPrefix(`/v1`) || Path(`/openapi.json`)",
        "traefik.http.routers.flowstack-api.entrypoints=web",
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
      ]

      connect {
        sidecar_service {
          proxy {
            expose {
              path {
                path            = "/metrics"
                protocol        = "http"
                local_path_port = 3000
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
        # On a group service the restarter is the whole allocation (Envoy included) unless the
        # check names its task (client/allocrunner/alloc_runner_hooks.go, group services hook).
        task = "api"

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
        # The Vault bootstrap declares the exchange; the leased user may only check and publish.
        ORDERS_EXCHANGE_DECLARE = "false"
        # The api's peer on this socket is its own Envoy sidecar, not Traefik, and Envoy keeps
        # idle upstream connections for 1h by default, so "longer than the proxy's idle timeout"
        # cannot hold here. 65s only bounds idle sockets; the api closes them with a FIN that
        # Envoy sees before reuse except in a race of a few ms (docs/deploy.md, "Keep-alive").
        HTTP_KEEP_ALIVE_TIMEOUT_MS = "65000"
        # V8 heap bounds (docs/performance.md, api RSS): without them V8 commits ~150 MB of heap
        # for a live heap under 70 MB under load, and the api peaks at ~230 MB RSS; with them
        # ~125 MB. A heap that outgrows 128 MB is a leak: the process dies and Nomad restarts it,
        # inside the task's memory reservation, before the cgroup would kill it.
        NODE_OPTIONS = "--max-semi-space-size=4 --max-old-space-size=128"
      }

      resources {
        cpu        = var.cpu
        memory     = var.memory
        memory_max = var.memory_max
      }
    }
  }
}
