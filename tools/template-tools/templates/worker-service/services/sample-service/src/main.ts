import { runMain } from '@flowstack/service-kit';
import { sampleServiceConfigSchema } from './config.js';
import { startSampleService } from './start-sample-service.js';

await runMain({
  service: 'sample-service',
  schema: sampleServiceConfigSchema,
  start: startSampleService,
});
