export { AppError, isAppError, type AppErrorOptions, type ValidationIssue } from './app-error.js';
export {
  toProblem,
  fromHttpParserError,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  problemType,
  type ProblemDetails,
} from './problem.js';
export { processIo, runCli, type CliIo, type CliSpec, type CliValues } from './run-cli.js';
