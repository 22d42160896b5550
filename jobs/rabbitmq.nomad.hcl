# RabbitMQ for flowstack: a cluster of var.nodes members (three by default) holding the order
# queues as quorum queues. AMQP is in the mesh as "rabbitmq" (the api and worker upstreams
# reach any healthy member); the management API, which Vault's RabbitMQ engine calls to create
# the api-publisher and worker-consumer users, is "rabbitmq-management" on a host port; the
# members find each other through "rabbitmq-peer". The administrator and the Erlang cookie come
# from Vault KV at kv/data/flowstack/rabbitmq/config. How to run, grow and drain it:
# docs/deploy.md, "The RabbitMQ cluster".

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "image" {
  type    = string
  default = "rabbitmq:4.1.2-management"
}

variable "nodes" {
  type        = number
  default     = 3
  description = "Cluster members, one per client node: 3 (or 5) so that quorum queues survive the loss of a member; 1 on a one-machine cluster (infra/dev-cluster). At most max_nodes."
}

variable "max_nodes" {
  type        = number
  default     = 5
  description = "Size of the member list every member is configured with (rabbit@rabbitmq-0 .. max_nodes-1). Fixed, so that growing the cluster up to it changes only the count and restarts no running member."
}

variable "queue_replicas" {
  type        = number
  default     = 3
  description = "Replicas each quorum queue is grown to as members join (continuous membership reconciliation): 3 survives one loss, 5 two."
}

variable "volume" {
  type        = string
  default     = "flowstack-rabbitmq"
  description = "Prefix of the per-member host volumes: allocation N mounts \"<volume>[N]\" (infra/nomad/rabbitmq-volumes.sh creates them, one per client)."
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

  # One member per client: losing a host costs one member, never the quorum. The per-member
  # volumes already tie each allocation to the client holding its volume; this makes two volumes
  # created on the same client an unplaceable allocation instead of two members sharing a host
  # (and their static Erlang ports).
  constraint {
    operator = "distinct_hosts"
    value    = "true"
  }

  # One member at a time, and the next only once the replaced member has rejoined and every
  # quorum queue has a quorum plus one online again (the rabbitmq-quorum-plus-one check below):
  # stopping the next member then never costs a queue its quorum. No canary: Nomad refuses
  # per_alloc volumes with canaries (nomad/structs/volumes.go, "volume cannot be per_alloc when
  # canaries are in use"), and a canary member could not have its own volume anyway.
  update {
    max_parallel      = 1
    canary            = 0
    auto_revert       = true
    health_check      = "checks"
    min_healthy_time  = "30s"
    healthy_deadline  = "10m"
    progress_deadline = "20m"
  }

  # The same gate when clients are drained: one member leaves at a time. A member's volume lives
  # on the drained client, so its replacement waits for that client to return; max_parallel = 1
  # keeps a second drain from taking a second member meanwhile (docs/deploy.md, "Draining").
  migrate {
    max_parallel     = 1
    health_check     = "checks"
    min_healthy_time = "30s"
    healthy_deadline = "10m"
  }

  group "rabbitmq" {
    count = var.nodes

    # Deregister from Consul first, so new AMQP connections go to the other members.
    shutdown_delay = "5s"

    network {
      mode = "bridge"
      # The node name is rabbit@rabbitmq-<alloc index> (RABBITMQ_NODENAME below) and its data
      # directory belongs to that name; Nomad interpolates the hostname with the allocation's
      # environment (client/allocrunner/network_hook.go, Prerun: taskenv.InterpolateNetworks).
      # Index N always mounts volume <volume>[N], so the name, the data and the volume stay
      # together across restarts, reschedules and upgrades.
      hostname = "rabbitmq-${NOMAD_ALLOC_INDEX}"

      # Erlang distribution between members, host to host: epmd and the distribution port
      # (RabbitMQ's default, AMQP port + 20000). Static, so a peer reaches <host>:4369 and
      # <host>:25672 with the numbers epmd advertises inside the namespace.
      port "epmd" {
        static = 4369
        to     = 4369
      }

      port "dist" {
        static = 25672
        to     = 25672
      }

      port "management" {
        static = var.management_port
        to     = 15672
      }
    }

    # Allocation N mounts "<volume>[N]": the scheduler appends the allocation's index to the
    # source of a per_alloc host volume (scheduler/feasible/feasible.go, HostVolumeChecker
    # SetVolumes: `copied.Source = copied.Source + structs.AllocSuffix(allocName)`), so every
    # member has its own data directory and is placed on the client that holds it. Not sticky:
    # the per-member name already pins the client, and sticky claims of the existing members make
    # every client infeasible for a new index (hasVolumes: with claims left and none matching,
    # `return false`), which would block growing the cluster.
    volume "data" {
      type            = "host"
      source          = var.volume
      per_alloc       = true
      read_only       = false
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
    }

    # "fail" so that a crash loop ends in a reschedule (back to the client holding the volume).
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

    # AMQP for the api and the worker: a member is in this service while it runs, has no
    # resource alarm and sees a majority of the cluster's members running (a member cut off with
    # a minority cannot commit to a quorum queue, so clients must reconnect elsewhere). The
    # members are the cluster's own list (rabbit_nodes:list_members/0, list_running/0: the two
    # that deps/rabbit/src/rabbit_upgrade_preparation.erl compares), not a number in this file, so
    # growing the cluster changes no check.
    service {
      name = "rabbitmq"
      port = "5672"

      connect {
        sidecar_service {}
      }

      check {
        name     = "rabbitmq-in-majority"
        type     = "script"
        task     = "rabbitmq"
        command  = "/bin/sh"
        args     = ["-c", "rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_local_alarms && rabbitmqctl -q eval 'length(rabbit_nodes:list_running()) * 2 > length(rabbit_nodes:list_members()).' | grep -qx true"]
        # Each CLI call starts an Erlang VM: not more often than this.
        interval = "15s"
        timeout  = "20s"
      }
    }

    # How members find each other: each registers its node name in the meta, and the
    # erlang-hosts template below maps the names to the clients' addresses.
    service {
      name = "rabbitmq-peer"
      port = "dist"

      meta {
        node = "rabbitmq-${NOMAD_ALLOC_INDEX}"
      }

      check {
        name     = "rabbitmq-dist"
        type     = "tcp"
        port     = "dist"
        interval = "10s"
        timeout  = "2s"
      }

      # The deployment gate: every member of the cluster runs and no quorum queue would lose its
      # quorum if one more member stopped (rabbitmq-server
      # deps/rabbit/src/rabbit_upgrade_preparation.erl, await_online_quorum_plus_one). Nomad
      # counts every check of the group's services in a deployment's health (update.health_check
      # = "checks"), so the next member is replaced only after this passes here.
      check {
        name     = "rabbitmq-quorum-plus-one"
        type     = "script"
        task     = "rabbitmq"
        command  = "/bin/sh"
        args     = ["-c", "rabbitmqctl -q eval 'length(rabbit_nodes:list_running()) =:= length(rabbit_nodes:list_members()).' | grep -qx true && rabbitmq-upgrade -q await_online_quorum_plus_one --timeout 10"]
        interval = "30s"
        timeout  = "30s"
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

      # The administrator and the cookie are read when the node boots; a renewed token or a KV
      # edit must not restart a member. env = false keeps VAULT_TOKEN out of its environment.
      vault {
        role        = "flowstack-rabbitmq"
        change_mode = "noop"
        env         = false
      }

      # A task token (read-only on the catalog) for the erlang-hosts template.
      consul {}

      config {
        image = var.image
      }

      volume_mount {
        volume      = "data"
        destination = "/var/lib/rabbitmq"
      }

      env {
        # Fixed per allocation, equal to the network hostname above.
        RABBITMQ_NODENAME            = "rabbit@rabbitmq-${NOMAD_ALLOC_INDEX}"
        RABBITMQ_CONFIG_FILE         = "/local/rabbitmq.conf"
        FLOWSTACK_RABBITMQ_MAX_NODES = var.max_nodes
        FLOWSTACK_RABBITMQ_REPLICAS  = var.queue_replicas
        # Erlang's resolver reads this inetrc (ERTS "Inet Configuration"): peer names come from
        # the hosts file rendered below, the rest from the system resolver. RabbitMQ hands it on
        # to the hidden node that queries peers during discovery (rabbit_peer_discovery.erl,
        # maybe_add_inetrc_arguments).
        ERL_INETRC = "/local/erl_inetrc"
      }

      # The cluster: a fixed member list (classic_config: rabbitmq-server
      # deps/rabbit/src/rabbit_peer_discovery_classic_config.erl reads
      # cluster_formation.classic_config.nodes.*) of max_nodes names, quorum queues by default,
      # and quorum queue membership grown onto members that join later (continuous membership
      # reconciliation). A fresh member joins the reachable member that has the most members,
      # then the oldest (deps/rabbit/src/rabbit_peer_discovery.erl, sort_nodes_and_props), and
      # with a list longer than one it waits until it reaches at least one peer
      # (can_use_discovered_nodes), retrying discovery_retry_limit times before it goes on alone:
      # members boot together and learn each other's addresses a few seconds apart (the hosts
      # file below follows the Consul catalog), so that is two minutes here, not five seconds.
      # Names in the list that no allocation holds yet are skipped as unreachable.
      template {
        data        = <<-EOT
          cluster_formation.peer_discovery_backend = classic_config
          {{- range $i := loop (env "FLOWSTACK_RABBITMQ_MAX_NODES" | parseInt) }}
          cluster_formation.classic_config.nodes.{{ $i }} = rabbit@rabbitmq-{{ $i }}
          {{- end }}
          cluster_formation.discovery_retry_limit = 60
          cluster_formation.discovery_retry_interval = 2000
          default_queue_type = quorum
          quorum_queue.continuous_membership_reconciliation.enabled = true
          quorum_queue.continuous_membership_reconciliation.target_group_size = {{ env "FLOWSTACK_RABBITMQ_REPLICAS" }}
          load_definitions = /local/definitions.json
        EOT
        destination = "local/rabbitmq.conf"
        change_mode = "noop"
      }

      # RabbitMQ 4 gives every quorum queue a delivery limit of 20, and `dlq list` requeues what it
      # reads (a delivery each time): without this policy a dead letter would be dropped after 20
      # listings. -1 is unlimited on 4.x (decision 010; the same policy as Particular's
      # NServiceBus.RabbitMQ BrokerVerifier.SetDeliveryLimitViaPolicy). The queues themselves
      # cannot declare it: 3.10 reads a negative limit as exceeded.
      template {
        data        = <<-EOT
          {"policies": [{"vhost": "/", "name": "flowstack-dead-letters-kept", "pattern": "\\.dead$",
            "apply-to": "quorum_queues", "priority": 0, "definition": {"delivery-limit": -1}}]}
        EOT
        destination = "local/definitions.json"
        change_mode = "noop"
      }

      template {
        data        = <<-EOT
          {lookup, [file, native]}.
          {hosts_file, "/local/erlang-hosts"}.
        EOT
        destination = "local/erl_inetrc"
        change_mode = "noop"
      }

      # Erlang node names need resolvable hosts: the other members' names at their clients'
      # addresses, from the rabbitmq-peer registrations (every state: a member still joining is
      # not passing yet). The VM re-reads a changed hosts_file by itself (erlang/otp
      # lib/kernel/src/inet_db.erl, res_update_hosts), so a member moving to a new address needs
      # no restart of the others: noop. The member's own name resolves through /etc/hosts.
      template {
        data        = <<-EOT
          {{- $self := env "NOMAD_ALLOC_INDEX" | printf "rabbitmq-%s" }}
          {{- range service "rabbitmq-peer|any" }}
          {{- if ne (index .ServiceMeta "node") $self }}
          {{ .Address }} {{ index .ServiceMeta "node" }}
          {{- end }}
          {{- end }}
        EOT
        destination = "local/erlang-hosts"
        change_mode = "noop"
      }

      # Vault's engine needs the administrator tag, which the default user has. Every member
      # shares the cookie (rabbitmq-server deps/rabbit_common/src/rabbit_env.erl reads
      # RABBITMQ_ERLANG_COOKIE, see rabbit_env_SUITE check_RABBITMQ_ERLANG_COOKIE); the CLI of
      # the script checks finds it in the same environment.
      template {
        data        = <<-EOT
          {{ with secret "kv/data/flowstack/rabbitmq/config" }}
          RABBITMQ_DEFAULT_USER={{ .Data.data.admin_username }}
          RABBITMQ_DEFAULT_PASS={{ .Data.data.admin_password }}
          RABBITMQ_ERLANG_COOKIE={{ .Data.data.erlang_cookie }}
          {{ end }}
        EOT
        destination = "secrets/admin.env"
        env         = true
        change_mode = "noop"
      }

      kill_signal = "SIGTERM"
      # A member hands its quorum queue leaderships over before it stops.
      kill_timeout = "45s"

      resources {
        cpu        = 500
        memory     = 1024
        memory_max = 2048
      }
    }
  }
}
