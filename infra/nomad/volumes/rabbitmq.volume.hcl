# Dynamic host volume of one RabbitMQ member (/var/lib/rabbitmq: its metadata store, quorum queue
# logs and message store). The rabbitmq job mounts it per allocation (per_alloc = true), so
# allocation N claims "flowstack-rabbitmq[N]" and each member needs its own volume on its own
# client. Do not create this file as it is; infra/nomad/rabbitmq-volumes.sh renders one copy per
# member with the name's index and the client's node ID:
#   infra/nomad/rabbitmq-volumes.sh <node-id-0> <node-id-1> <node-id-2>

name      = "flowstack-rabbitmq[0]"
type      = "host"
plugin_id = "mkdir"

capacity_min = "1GiB"
capacity_max = "20GiB"

capability {
  access_mode     = "single-node-writer"
  attachment_mode = "file-system"
}

# Replaced by the script with the member's client.
constraint {
  attribute = "${node.unique.id}"
  value     = "NODE_ID"
}

# The official image runs RabbitMQ as user rabbitmq, uid and gid 999.
parameters {
  mode = "0700"
  uid  = 999
  gid  = 999
}
