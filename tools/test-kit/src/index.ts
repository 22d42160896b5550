export { captureLogger, type CapturedLogger } from './capture-logger.js';
export { uniqueId, uniqueName } from './names.js';
export { closedPort, freePort } from './ports.js';
export {
  pgAuthCluster,
  scratchDatabase,
  type PgAuthCluster,
  type ScratchDatabase,
} from './pg-auth-cluster.js';
export { startTcpProxy, type ProxyTarget, type TcpProxy } from './tcp-proxy.js';
export {
  queueCounts,
  startPostgres,
  startRabbitApp,
  startRedis,
  startThrowawayServers,
  stopPostgres,
  stopRabbitApp,
  stopRedis,
  stopThrowawayServers,
  throwawayRedis,
  type QueueCounts,
  type ThrowawayRedis,
  type ThrowawayServers,
} from './throwaway-servers.js';
export {
  eventually,
  gate,
  nextEvent,
  nextEvents,
  sleep,
  waitFor,
  type Emitter,
  type EventWaitOptions,
  type WaitOptions,
} from './wait.js';
export {
  awaitClusterFormed,
  healRabbitPartition,
  killRabbitNode,
  partitionRabbitNode,
  quorumReplicas,
  rabbitCli,
  rabbitClusterHosts,
  runningNodes,
  startRabbitCluster,
  startRabbitNode,
  stopRabbitCluster,
  stopRabbitNode,
  type QueueReplicas,
  type RabbitCluster,
  type RabbitClusterNode,
} from './rabbitmq-cluster.js';
