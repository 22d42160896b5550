import type { NextFunction, Request, Response } from 'express';
import {
  AppError,
  fromHttpParserError,
  isAppError,
  PROBLEM_CONTENT_TYPE,
  toProblem,
} from '@flowstack/errors';
import type { Logger } from '@flowstack/observability';

export function sendProblem(res: Response, error: unknown, instance: string): void {
  const problem = toProblem(error, instance);
  if (isAppError(error) && error.retryAfterSeconds !== undefined) {
    res.setHeader('retry-after', String(error.retryAfterSeconds));
  }
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(AppError.notFound(`No route for ${req.method} ${req.path}.`));
}

/**
 * The one HTTP error handler. Client errors are logged at info (they are not our failures);
 * anything else at error with the cause, and the client sees a bare problem without internals.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = isAppError(error) ? error : (fromHttpParserError(error) ?? error);
    const status = isAppError(appError) ? appError.status : 500;
    if (status >= 500) {
      logger.error({ err: error }, 'request error');
    } else {
      logger.info(
        { status, code: isAppError(appError) ? appError.code : undefined },
        'client error',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, appError, req.originalUrl.slice(0, 256));
  };
}
