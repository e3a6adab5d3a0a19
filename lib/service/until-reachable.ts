/**
 * Runs a start-up step until its dependency answers. A service started while Kafka, the registry or
 * the database restarts waits for it, as it does once running, instead of exiting (which would stop
 * every service of `npm start`). Errors that are not transient (lib/errors.ts) still end the start.
 */
import { backoffDelay } from '../consumer/backoff.js';
import { isRetriable } from '../errors.js';
import type { Logger } from '../logger.js';

export async function untilReachable<T>(what: string, logger: Logger, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isRetriable(err)) throw err;
      const retryInMs = backoffDelay(attempt, { baseMs: 500, maxMs: 5000 });
      logger.warn({ err: (err as Error).message, retryInMs }, `${what} not reachable yet; retrying`);
      await new Promise((r) => setTimeout(r, retryInMs));
    }
  }
}
