# Dynamic host volume for PostgreSQL's data (Nomad >= 1.10):
#   nomad volume create infra/nomad/volumes/pgdata.volume.hcl
# The "mkdir" plugin creates a directory under the client's host_volumes_dir. The postgres job
# claims it with sticky = true, so a rescheduled allocation returns to the node holding the data.

name      = "flowstack-pgdata"
type      = "host"
plugin_id = "mkdir"

capacity_min = "1GiB"
capacity_max = "20GiB"

capability {
  access_mode     = "single-node-writer"
  attachment_mode = "file-system"
}

parameters {
  mode = "0700"
  uid  = 999
  gid  = 999
}
