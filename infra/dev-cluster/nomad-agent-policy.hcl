# The Consul token of the dev cluster's Nomad agent (the one in its consul block). Workloads get
# their own tokens through the nomad-workloads auth method; the agent itself reads the agent and
# node catalog and registers the nomad and nomad-client services (Nomad docs, Consul ACL).
agent_prefix "" {
  policy = "read"
}

node_prefix "" {
  policy = "read"
}

service_prefix "" {
  policy = "write"
}
