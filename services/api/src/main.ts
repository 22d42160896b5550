import { apiConfigSchema } from '@flowstack/config';
import { runMain } from '@flowstack/service-kit';
import { startApi } from './start-api.js';

await runMain({ service: 'api', schema: apiConfigSchema, start: startApi });
