export { AppError, isAppError, type AppErrorOptions, type ValidationIssue } from './app-error.js';
export {
  toProblem,
  fromHttpParserError,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  problemType,
  type ProblemDetails,
} from './problem.js';
