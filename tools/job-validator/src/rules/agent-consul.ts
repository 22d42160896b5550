import type { Finding } from '../findings.js';
import type { Repository } from '../repository.js';
import type { RepositoryRule } from '../rule.js';

/**
 * Envoy gets its configuration over Consul's gRPC API, through the address in the Nomad client's
 * `consul.grpc_address`. A non-dev Consul opens no plaintext gRPC port: "gRPC | 8502 | Disabled",
 * "gRPC TLS | 8503 | Enabled" (Consul docs, install/ports), and Nomad warns that "Consul does not
 * enable the grpc or grpc_tls listeners by default" (Nomad docs configuration/consul.mdx). Over
 * TLS, Nomad needs the CA that signed the agent's certificate (`grpc_ca_file`) to bootstrap Envoy.
 * Without either, every sidecar fails its xDS bootstrap and no Connect allocation turns healthy.
 */
export const agentConsulRule: RepositoryRule = {
  id: 'agent-consul',
  description: 'Nomad clients reach Consul gRPC over TLS (8503) with grpc_ca_file',
  check(repository: Repository): Finding[] {
    const { grpcAddress, grpcCaFile } = repository.nomadConsul;
    const report = (message: string): Finding => ({
      rule: 'agent-consul',
      file: 'infra/nomad',
      where: 'consul',
      message,
    });
    if (grpcAddress === undefined) {
      return [
        report(
          'no consul.grpc_address: Nomad would use 127.0.0.1:8502, which a non-dev Consul does not open',
        ),
      ];
    }
    if (grpcAddress.endsWith(':8502')) {
      return [
        report(
          `grpc_address ${grpcAddress} is the plaintext gRPC port, disabled on a non-dev Consul; use 8503 (grpc_tls)`,
        ),
      ];
    }
    if (grpcCaFile === undefined) {
      return [
        report(
          `grpc_address ${grpcAddress} without grpc_ca_file: Nomad cannot verify Consul's gRPC TLS certificate`,
        ),
      ];
    }
    return [];
  },
};
