/**
 * Delivering a reminder's notification to the notification service: HTTP POST of JSON
 * `{ reminderId, taskId, userId, title, remindAt }` with header `Idempotency-Key: <reminder id>`.
 * Retries with exponential backoff (full jitter) within one call; when every attempt failed it
 * throws DeliveryFailedError with the number of attempts, and the trigger stays pending for the
 * next tick. The same reminder is always sent with the same key, so a receiver that dedupes on it
 * shows each reminder once even when a delivery is repeated (see README.md: a crash between the
 * call and the commit repeats the call).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from '../../lib/consumer/backoff.js';

/** The JSON body the receiver gets. */
export interface NotificationPayload {
  reminderId: string;
  taskId: string;
  userId: string;
  title: string;
  /** ISO-8601. */
  remindAt: string;
}

export interface DeliveryPolicy {
  /** HTTP calls per delivery (per tick) before giving up until the next tick. */
  attempts: number;
  backoff: BackoffPolicy;
  /** Per call. */
  timeoutMs: number;
}

/** 3 calls, 200 ms → 2 s backoff, 5 s per call: a dead receiver costs a trigger at most ~17 s per tick. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = Object.freeze({
  attempts: 3,
  backoff: { baseMs: 200, maxMs: 2_000 },
  timeoutMs: 5_000,
});

/** Every attempt of one delivery failed; `attempts` calls were made. */
export class DeliveryFailedError extends Error {
  constructor(
    readonly attempts: number,
    readonly reasons: string[],
  ) {
    super(`notification not delivered after ${attempts} attempt(s): ${reasons.join('; ')}`);
    this.name = 'DeliveryFailedError';
  }
}

/** 4xx other than 408 and 429: the receiver refuses this notification; retrying at once will not help. */
const refusedForNow = (status: number): boolean => status >= 400 && status < 500 && status !== 408 && status !== 429;

/** The number of HTTP calls it took (≥ 1), or throws DeliveryFailedError. Any 2xx is success. */
export async function postNotification(
  url: string,
  n: NotificationPayload,
  p: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): Promise<number> {
  const reasons: string[] = [];
  for (let attempt = 1; attempt <= p.attempts; attempt++) {
    let status: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': n.reminderId },
        body: JSON.stringify(n),
        signal: AbortSignal.timeout(p.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined); // release the connection
      if (res.ok) return attempt;
      status = res.status;
      reasons.push(`HTTP ${res.status}`);
    } catch (err) {
      reasons.push((err as Error).message);
    }
    if (status !== undefined && refusedForNow(status)) throw new DeliveryFailedError(attempt, reasons);
    if (attempt < p.attempts) await sleep(backoffDelay(attempt, p.backoff));
  }
  throw new DeliveryFailedError(p.attempts, reasons);
}
