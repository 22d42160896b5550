# Dynamic host volume for RabbitMQ's data (/var/lib/rabbitmq: the mnesia and message store):
#   nomad volume create infra/nomad/volumes/rabbitmq.volume.hcl
# The rabbitmq job claims it with sticky = true and a fixed node name, so a restart or a
# reschedule keeps the queued orders and the users Vault created.

name      = "flowstack-rabbitmq"
type      = "host"
plugin_id = "mkdir"

capacity_min = "1GiB"
capacity_max = "20GiB"

capability {
  access_mode     = "single-node-writer"
  attachment_mode = "file-system"
}

# The official image runs RabbitMQ as user rabbitmq, uid and gid 999.
parameters {
  mode = "0700"
  uid  = 999
  gid  = 999
}
