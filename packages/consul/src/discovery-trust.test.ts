import { startConsulDouble } from '@flowstack/consul-double';
import { captureLogger } from '@flowstack/test-kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createConsulClient } from './consul-client.js';
import { assertDiscoveryTrusted } from './discovery-trust.js';

const { logger } = captureLogger('consul-test');

async function consul(aclToken?: string) {
  const double = await startConsulDouble({ port: 0, dnsPort: 0, aclToken });
  onTestFinished(() => double.stop());
  const client = createConsulClient({ address: double.url, token: aclToken, logger });
  onTestFinished(() => client.close());
  return { client, address: double.url };
}

describe('assertDiscoveryTrusted', () => {
  it('when Consul runs without ACLs, then discovery is refused, naming the way out', async () => {
    const { client, address } = await consul();
    await expect(assertDiscoveryTrusted(client, { address, token: 'x' })).rejects.toThrow(
      /default ACL policy "allow".*CONSUL_DISCOVERY_REQUIRE_ACL=false/,
    );
  });

  it('when Consul enforces ACLs but the process has no token, then it is refused', async () => {
    const { client, address } = await consul('management');
    await expect(assertDiscoveryTrusted(client, { address, token: undefined })).rejects.toThrow(
      /CONSUL_HTTP_TOKEN is empty/,
    );
  });

  it('when Consul enforces ACLs with default deny and the process has a token, then it is trusted', async () => {
    const { client, address } = await consul('management');
    await expect(
      assertDiscoveryTrusted(client, { address, token: 'management' }),
    ).resolves.toBeUndefined();
  });
});
