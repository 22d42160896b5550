export { createApp, type AppDeps } from './app.js';
export { startApi, type RunningApi } from './start-api.js';
export { openApiDocument } from './entry-points/http/openapi.js';
export { createApiServer, type ApiServer } from './api-server.js';
