/** Turns every error into an RFC 7807 problem+json answer; the process never crashes on input. */
import type { NextFunction, Request, Response } from 'express';
import { AppError, isDatabaseUnavailable, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const bp = err as BodyParserError;
    let status = 500;
    let body: Record<string, unknown> = { type: 'about:blank', title: 'internal error', status };
    if (bp?.type === 'entity.too.large') {
      status = 413;
      body = { title: 'request body too large', status, detail: `the body must be at most ${bp.limit} bytes` };
    } else if (bp?.type === 'entity.parse.failed') {
      status = 400;
      body = { title: 'malformed JSON', status, errors: [{ field: 'body', message: 'is not valid JSON' }] };
    } else if (err instanceof ValidationError) {
      status = 400;
      body = { title: 'invalid request', status, detail: err.message, errors: err.fields };
    } else if (err instanceof AppError) {
      status = err.status;
      // A non-retriable server error is a bug; its message describes internals, not the request.
      body = { title: status >= 500 && !err.retriable ? 'internal error' : err.message, status, code: err.code };
    } else if (isDatabaseUnavailable(err)) {
      status = 503;
      body = { title: 'database unavailable, retry later', status };
    } else if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500) {
      status = bp.status;
      body = { title: (err as Error).message, status };
    }
    if (status >= 500)
      logger.error({ err, traceId: res.locals.trace?.traceId, path: req.originalUrl }, 'request failed');
    res
      .status(status)
      .type('application/problem+json')
      .json({ type: 'about:blank', ...body });
  };
}
