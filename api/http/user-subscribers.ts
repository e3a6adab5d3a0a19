/**
 * The open live streams of an API process, by user: what the task change hub and the notification
 * feed hand their events to, each only to the user the event belongs to.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../lib/logger.js';

export class UserSubscribers<S extends { onClose?: () => void }> {
  private readonly byUser = new Map<string, Set<S>>();

  /** Registers a user's subscriber; the returned function removes it. */
  add(userId: string, s: S): () => void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(s);
    return () => {
      const current = this.byUser.get(userId);
      if (!current) return;
      current.delete(s);
      if (current.size === 0) this.byUser.delete(userId);
    };
  }

  /** A copy: a subscriber may unsubscribe while it is being handed an event. */
  of(userId: string): S[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Open subscriptions, of one user or of all. */
  count(userId?: string): number {
    if (userId !== undefined) return this.byUser.get(userId)?.size ?? 0;
    let n = 0;
    for (const s of this.byUser.values()) n += s.size;
    return n;
  }

  /** Ends every stream (each subscriber's onClose) and forgets them. */
  closeAll(): void {
    for (const set of [...this.byUser.values()]) for (const s of [...set]) s.onClose?.();
    this.byUser.clear();
  }
}

/**
 * Runs `open` until it succeeds or `stopped()` turns true, waiting longer after each failure (0.4 s,
 * doubling, at most 5 s): a feed's source (Kafka, the LISTEN connection) may come up after the API.
 */
export async function openWithRetry(
  what: { open: () => Promise<void>; onFailure?: () => Promise<void>; stopped: () => boolean },
  logger: Logger,
  message: string,
): Promise<void> {
  for (let attempt = 1; !what.stopped(); attempt++) {
    try {
      await what.open();
      return;
    } catch (err) {
      await what.onFailure?.();
      const wait = Math.min(5_000, 200 * 2 ** Math.min(attempt, 5));
      logger.warn({ err: (err as Error).message, retryInMs: wait }, message);
      await sleep(wait);
    }
  }
}
