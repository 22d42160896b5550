export { AppError, isAppError, type AppErrorOptions, type ValidationIssue } from './app-error.js';
export {
  toProblem,
  fromHttpParserError,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
} from './problem.js';
