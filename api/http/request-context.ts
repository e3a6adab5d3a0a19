/** Per request: the trace context, one JSON log line when it ends, and the request metrics. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../lib/logger.js';
import { traceFrom } from '../../lib/trace.js';
import type { ApiMetrics } from './metrics.js';

export function requestContext(logger: Logger, metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const trace = traceFrom(req.header('traceparent'));
    res.locals.trace = trace;
    res.setHeader('traceparent', trace.traceparent);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route pattern, not the path: user and task ids must not explode label cardinality.
      const routePath = req.route?.path as string | undefined;
      // req.baseUrl is reset once an error leaves the router, so look at the original URL.
      const route = routePath
        ? `${req.originalUrl.startsWith('/api/') ? '/api/:userId' : req.baseUrl}${routePath}`
        : 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.latency.observe({ method: req.method, route }, seconds);
      logger.info(
        {
          traceId: trace.traceId,
          method: req.method,
          route,
          path: req.originalUrl,
          status: res.statusCode,
          ms: Math.round(seconds * 1000 * 10) / 10,
          userId: res.locals.userId,
        },
        'request',
      );
    });
    next();
  };
}
