# Consul ACL policy of the api (bound to its Nomad workload identity or token).
# Register itself and update its own checks.
service "flowstack-api" {
  policy = "write"
}

# Discover its dependencies (health/service, DNS) and resolve nodes.
service_prefix "" {
  policy = "read"
}
node_prefix "" {
  policy = "read"
}

# Live configuration: flowstack/config/api/<KEY>, read and watched, never written.
key_prefix "flowstack/config/api/" {
  policy = "read"
}
