# Consul ACL policy of the worker (bound to its Nomad workload identity or token).
# Register itself and update its own checks.
service "flowstack-worker" {
  policy = "write"
}

# Discover its dependencies (health/service, DNS) and resolve nodes.
service_prefix "" {
  policy = "read"
}
node_prefix "" {
  policy = "read"
}

# Live configuration: flowstack/config/worker/<KEY>, read and watched, never written.
key_prefix "flowstack/config/worker/" {
  policy = "read"
}
