import { runMain } from '@flowstack/service-kit';
import { apiConfigSchema } from './config.js';
import { startApi } from './start-api.js';

await runMain({ service: 'api', schema: apiConfigSchema, start: startApi });
