#!/usr/bin/env node
import { AppError, runCli } from '@flowstack/errors';
import { BootstrapError } from './bootstrap-error.js';
import { mintProducerToken } from './producer-token.js';

const USAGE = `usage: npm run vault:producer-token -w @flowstack/infra-vault -- --name NAME [--meta key=value ...]

Mints a service-account token from the token role "producer" (policy producer: write KV, issue
certificates, encrypt; no reads, no decrypt). The token alone goes to stdout; its accessor (for
revocation) and TTL go to stderr. Uses VAULT_ADDR and VAULT_TOKEN (a token with policy
producer-issuer, or --address/--token).
`;

/** Only the token reaches stdout, so `export VAULT_TOKEN=$(npm run -s vault:producer-token ...)` works. */
process.exitCode = await runCli({
  name: 'producer token',
  usage: USAGE,
  options: {
    address: { type: 'string' },
    token: { type: 'string' },
    name: { type: 'string' },
    meta: { type: 'string', multiple: true },
  },
  userErrors: [BootstrapError],
  run: async ({ values }, io) => {
    const address = values.address ?? process.env['VAULT_ADDR'];
    const token = values.token ?? process.env['VAULT_TOKEN'];
    if (!address || !token) throw AppError.usage('VAULT_ADDR and VAULT_TOKEN are required');
    if (!URL.canParse(address)) throw AppError.usage(`VAULT_ADDR is not a URL: ${address}`);
    if (!values.name || !/^[A-Za-z0-9._-]{1,64}$/.test(values.name)) {
      throw AppError.usage('--name is required (letters, digits, . _ -)');
    }
    const meta: Record<string, string> = {};
    for (const pair of values.meta ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0) throw AppError.usage(`--meta takes key=value, got "${pair}"`);
      meta[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const minted = await mintProducerToken({ address, token, displayName: values.name, meta });
    io.err(
      `producer token for ${values.name}: accessor ${minted.accessor}, policies ${minted.policies.join(',')}, ttl ${minted.leaseDurationSeconds}s (periodic; renew with vault token renew)`,
    );
    io.out(minted.token);
  },
});
