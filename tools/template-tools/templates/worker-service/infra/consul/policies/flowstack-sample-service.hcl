# Consul ACL policy of sample-service (bound to its Nomad workload identity or token).
# Register itself and update its own checks.
service "flowstack-sample-service" {
  policy = "write"
}

# Discover its dependencies (health/service, DNS) and resolve nodes.
service_prefix "" {
  policy = "read"
}
node_prefix "" {
  policy = "read"
}

# Live configuration: flowstack/config/sample-service/<KEY>, read and watched, never written.
key_prefix "flowstack/config/sample-service/" {
  policy = "read"
}
