#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { SERVICE_VAULT_NAMES, VAULT_SERVICES } from '@flowstack/vault/paths';
import { POLICIES_DIR, renderServicePolicy } from './service-policies.js';
import { DATA_SERVICE_ROLES, renderKvReaderPolicy } from './workload-roles.js';

// Writes policies/flowstack-<service>.hcl from the path registry and the data services' policies
// from workload-roles.ts.
for (const service of VAULT_SERVICES) {
  const file = new URL(`${SERVICE_VAULT_NAMES[service].policy}.hcl`, POLICIES_DIR);
  await writeFile(file, renderServicePolicy(service));
  process.stdout.write(`wrote ${file.pathname}\n`);
}
for (const role of DATA_SERVICE_ROLES) {
  const file = new URL(`${role.name}.hcl`, POLICIES_DIR);
  await writeFile(file, renderKvReaderPolicy(role));
  process.stdout.write(`wrote ${file.pathname}\n`);
}
