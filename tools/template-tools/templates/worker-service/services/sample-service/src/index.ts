export { startSampleService, type RunningSampleService } from './start-sample-service.js';
export {
  handleSampleServiceMessage,
  parseSampleServiceMessage,
} from './domain/handle-sample-service-message.js';
