import { runMain } from '@flowstack/service-kit';
import { workerConfigSchema } from './config.js';
import { startWorker } from './start-worker.js';

await runMain({ service: 'worker', schema: workerConfigSchema, start: startWorker });
