/** W3C trace context: the `traceparent` of the request travels with every event it causes. */
import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  traceparent: string;
}

/** Continues an incoming trace with a new span, or starts a new trace. */
export function traceFrom(incoming: string | undefined): TraceContext {
  const m = incoming ? TRACEPARENT.exec(incoming.trim()) : null;
  const traceId = m && m[1] !== '0'.repeat(32) ? m[1]! : randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}
