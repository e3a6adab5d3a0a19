/**
 * kafkajs 2.2.4's request queue polls itself every millisecond while it has nothing to send.
 *
 * `scheduleCheckPendingRequests` arms a timer even when no request is waiting. Its delay is then
 * `throttledUntil - Date.now()` with `throttledUntil` at -1, which Node clamps to 1 ms, and the timer
 * re-arms itself when it fires. Each broker connection of every client does this (tulios/kafkajs#1556,
 * fix proposed in #1667, not released). Measured here: an idle API process woke 1,600 times a second
 * and spent 3 % of a core doing it, and each consumer, relay and API process on the machine did the same.
 *
 * The fixed method arms the timer only when requests are waiting. A waiting request is sent from
 * that timer, or sooner from `fulfillRequest` or a request timeout, both of which check the queue.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** kafkajs's own interval for re-checking waiting requests (`CHECK_PENDING_REQUESTS_INTERVAL`). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };

let installed = false;

/** Replaces the method on kafkajs's RequestQueue prototype, so every queue, existing or future, uses it. */
export function installRequestQueueFix(): void {
  if (installed) return;
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueInternals,
  ) {
    if (this.pending.length === 0 || this.throttleCheckTimeoutId) return;
    const throttledForMs = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  installed = true;
}
