export { runLoad, type LoadOptions, type LoadRequest, type LoadResult } from './load/run-load.js';
export {
  runScenario,
  nothingLost,
  type ScenarioOptions,
  type ScenarioRun,
} from './load/run-scenario.js';
export { SCENARIOS, type ScenarioName, AcceptedOrders } from './load/scenarios.js';
export {
  apiCompletionSource,
  databaseCompletionSource,
  waitForCompletion,
  type CompletionReport,
  type CompletionSource,
} from './load/completion.js';
export { summaryTable, completionLines } from './report/summary-table.js';
