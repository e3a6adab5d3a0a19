/**
 * Offset commits on a clock instead of after every fetched batch. kafkajs's auto-commit sends an
 * OffsetCommit (a replicated write to `__consumer_offsets`, acks from every in-sync replica) after
 * each partition's batch and waits for it before the next batch: at a few hundred events/s over
 * many partitions that is one round trip per handful of records, in front of the records behind
 * it, and the group coordinator's largest cost.
 *
 * Committing less often loses nothing: an offset is only ever one past records whose inbox rows
 * committed, so a crash or rebalance between commits redelivers records the inbox skips as
 * duplicates (consumer-runtime.ts). What it changes is how much is redelivered: at most one
 * interval's worth.
 */
import type { Consumer } from 'kafkajs';
import type { Logger } from '../logger.js';

interface Pending {
  topic: string;
  partition: number;
  /** The next offset to read: one past the last finished record. */
  offset: bigint;
}

export class OffsetCommitter {
  private readonly pending = new Map<string, Pending>();
  /** Bumped at each group join: offsets finished under an earlier assignment are not committed. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.generation++;
      this.pending.clear();
    });
    this.timer = setInterval(() => void this.commit(), this.intervalMs);
    this.timer.unref();
  }

  /** Everything of the partition up to `offset` is finished. */
  finished(topic: string, partition: number, offset: string): void {
    const key = `${topic}\0${partition}`;
    const next = BigInt(offset) + 1n;
    const had = this.pending.get(key);
    if (!had || had.offset < next) this.pending.set(key, { topic, partition, offset: next });
  }

  /** Commits what is finished now (a dead-lettered record, a stop) rather than at the next tick. */
  commit(): Promise<void> {
    this.inFlight = this.inFlight.then(() => this.commitPending());
    return this.inFlight;
  }

  /**
   * Commits what is finished and stops the clock; call before the consumer disconnects. Bounded: a
   * stop while Kafka is down must not hang (what is left is redelivered, and skipped, later).
   */
  async stop(withinMs: number): Promise<void> {
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timeout = setTimeout(resolve, withinMs)));
    await Promise.race([this.commit(), gaveUp]);
    clearTimeout(timeout);
  }

  private async commitPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    const generation = this.generation;
    this.pending.clear();
    try {
      await this.consumer.commitOffsets(batch.map((p) => ({ ...p, offset: p.offset.toString() })));
    } catch (err) {
      // Kept for the next tick unless the group moved on meanwhile (or a later offset arrived).
      if (generation === this.generation)
        for (const p of batch) this.finished(p.topic, p.partition, (p.offset - 1n).toString());
      this.logger.warn({ err: (err as Error).message, partitions: batch.length }, 'offset commit failed; retrying');
    }
  }
}
