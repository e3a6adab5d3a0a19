/**
 * The one way a runnable process starts and stops (each `main.ts` calls it): start the service,
 * and on the first SIGTERM or SIGINT stop it gracefully (finish what is in flight, close
 * connections) and exit 0; on a second signal, exit at once with 1 (an operator who presses Ctrl-C
 * twice means it). A start that throws, or a stop that throws, logs why and exits 1. A stop that
 * takes longer than `stopTimeoutMs` (when given) exits 0 anyway: the orchestrator's grace period is
 * the bound, and what was in flight is redelivered or retried by design.
 *
 * Patterned on graphile-worker's `src/signals.ts`: one shutdown policy, not one per service.
 */
import type { Logger } from '../logger.js';

/** What `start` returns: the running service, stopped by the first signal. */
export interface StartedService {
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** The service's name in log lines ("relay", "reminder-trigger-cg"). */
  name: string;
  logger: Logger;
  start(): Promise<StartedService>;
  /** The log line of the first signal (default "<name> stopping"). */
  stoppingMessage?: string;
  /** Exit 0 after this long if the graceful stop has not finished. */
  stopTimeoutMs?: number;
  /**
   * False to ignore a second signal instead of exiting at once: an API cluster worker gets Ctrl-C's
   * SIGINT from the terminal and then SIGTERM from its primary, and both mean "stop gracefully".
   */
  forceOnSecondSignal?: boolean;
}

export function runService(o: RunServiceOptions): void {
  // A start that throws at once is a failed start too.
  Promise.resolve()
    .then(() => o.start())
    .then(
      (service) => stopOnSignals(o, service),
      (err: unknown) => {
        o.logger.fatal({ err }, `${o.name} failed to start`);
        process.exit(1);
      },
    );
}

/**
 * Until the service has started, a signal ends the process as Node does by default (a start may
 * wait for a dependency for as long as it takes, and there is nothing in flight to finish yet).
 */
function stopOnSignals(o: RunServiceOptions, service: StartedService): void {
  const { logger, name } = o;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (o.forceOnSecondSignal === false) return;
      logger.warn({ signal }, `${name}: second signal, exiting without finishing`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, o.stoppingMessage ?? `${name} stopping`);
    if (o.stopTimeoutMs !== undefined) setTimeout(() => process.exit(0), o.stopTimeoutMs).unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, `${name} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
