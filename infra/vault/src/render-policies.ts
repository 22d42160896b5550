#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { SERVICE_VAULT_NAMES, VAULT_SERVICES } from '@flowstack/vault/paths';
import { POLICIES_DIR, renderServicePolicy } from './service-policies.js';

// Writes policies/flowstack-<service>.hcl from the path registry.
for (const service of VAULT_SERVICES) {
  const file = new URL(`${SERVICE_VAULT_NAMES[service].policy}.hcl`, POLICIES_DIR);
  await writeFile(file, renderServicePolicy(service));
  process.stdout.write(`wrote ${file.pathname}\n`);
}
