import { sampleServiceConfigSchema } from '@flowstack/config';
import { runMain } from '@flowstack/service-kit';
import { startSampleService } from './start-sample-service.js';

await runMain({
  service: 'sample-service',
  schema: sampleServiceConfigSchema,
  start: startSampleService,
});
