import { workerConfigSchema } from '@flowstack/config';
import { runMain } from '@flowstack/service-kit';
import { startWorker } from './start-worker.js';

await runMain({ service: 'worker', schema: workerConfigSchema, start: startWorker });
