#!/usr/bin/env node
import { apiConfigSchema } from '@flowstack/api/config';
import { commonConfigSchema, renderEnvExample } from '@flowstack/config';
import { workerConfigSchema } from '@flowstack/worker/config';

// Here rather than in packages/config, which may not import the services that own the schemas.
process.stdout.write(
  renderEnvExample({
    common: commonConfigSchema,
    api: apiConfigSchema,
    worker: workerConfigSchema,
  }),
);
