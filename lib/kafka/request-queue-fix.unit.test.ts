/** kafkajs's request queue arms no timer while nothing waits, and still re-checks a waiting request. */
import { createRequire } from 'node:module';
import { installRequestQueueFix } from './request-queue-fix.js';

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js');

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
}

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newQueue(): Queue {
  return new RequestQueue({
    instrumentationEmitter: undefined,
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:1',
    logger: { namespace: () => silentLogger },
    isConnected: () => true,
  });
}

describe('request queue fix', () => {
  beforeAll(() => installRequestQueueFix());

  it('arms no timer when no request is waiting (kafkajs 2.2.4 re-armed a 1 ms timer forever)', () => {
    const q = newQueue();
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('arms the re-check when a request waits, at the end of a throttle when there is one', () => {
    const q = newQueue();
    q.pending.push({});
    q.throttledUntil = Date.now() + 60_000;
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    const first = q.throttleCheckTimeoutId;
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBe(first);
    q.destroy();
  });
});
