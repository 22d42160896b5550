import type { ConsulClient } from './consul-client.js';
import { consulError } from './consul-errors.js';

/**
 * Discovery hands the address of PostgreSQL, Redis and RabbitMQ to code that then sends them
 * credentials, so it follows only a Consul where an instance of `redis` can have been placed by
 * nothing but a token with `service:write` on `redis`: ACLs on with default policy deny
 * (agent/acl.go vets every agent register and deregister against the service name). An agent
 * that answers "allow" lets any local process register there (the F2 attack), and a process
 * without a token could not read its dependencies under "deny" anyway. DNS answers carry no
 * policy, so the check goes through the HTTP API whichever way the instances are then read.
 */
export async function assertDiscoveryTrusted(
  client: ConsulClient,
  options: { address: string; token: string | undefined },
): Promise<void> {
  const policy = await client.defaultAclPolicy();
  if (policy !== 'deny') {
    throw consulError(
      `Consul at ${options.address} answers with default ACL policy "${policy ?? 'none'}": ` +
        'anyone who reaches it may register postgres, redis or rabbitmq, so discovery will not ' +
        'follow it. Run Consul with ACLs on (acl.default_policy = "deny") and give this process ' +
        'a token, or set CONSUL_DISCOVERY_REQUIRE_ACL=false to trust it anyway.',
    );
  }
  if (options.token === undefined || options.token === '') {
    throw consulError(
      `Consul at ${options.address} enforces ACLs (default deny) but CONSUL_HTTP_TOKEN is empty: ` +
        'discovery needs a token that may read the data services.',
    );
  }
}
