/**
 * Offset commits on a clock instead of after every fetched batch. kafkajs's auto-commit sends an
 * OffsetCommit (a replicated write to `__consumer_offsets`, acks from every in-sync replica) after
 * each partition's batch and waits for it before the next batch: at a few hundred events/s over
 * many partitions that is one round trip per handful of records, in front of the records behind
 * it, and the group coordinator's largest cost.
 *
 * Committing less often loses nothing: an offset is only ever one past records whose inbox rows
 * committed, so whatever is redelivered (after a crash, a rebalance, a commit that failed) the
 * inbox skips as duplicates. A dead-lettered record has no inbox row, so the runtime commits it
 * from its batch at once (`commitFromBatch`); a redelivery can still publish it again, which the
 * DLQ's readers allow (chaos/README.md).
 *
 * Two ways to commit, because kafkajs's public `commitOffsets` retries until it lands: during a
 * coordinator move that waits for a rejoin, and a rejoin waits for the batches in flight. So the
 * clock commits through it, never awaited by a batch; a batch commits through its own eachBatch
 * control (one attempt under the batch's generation; a failure leaves the offsets pending).
 */
import type { Consumer, OffsetsByTopicPartition } from 'kafkajs';
import type { Logger } from '../logger.js';

interface Pending {
  topic: string;
  partition: number;
  /** The next offset to read: one past the last finished record. */
  offset: bigint;
}

export class OffsetCommitter {
  private readonly pending = new Map<string, Pending>();
  private group = 0;
  private timer: NodeJS.Timeout | undefined;
  private inBackground: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Call before the consumer runs, so the first group join is seen. */
  start(): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.group++;
      this.pending.clear();
    });
    this.timer = setInterval(() => this.commitInBackground(), this.intervalMs);
    this.timer.unref();
  }

  /** The group generation a batch starts in, passed back to `finished`. */
  get generation(): number {
    return this.group;
  }

  /**
   * Everything of the partition up to `offset` is finished. Ignored when the group has rejoined
   * since the batch started: the partition may be another member's now.
   */
  finished(topic: string, partition: number, offset: string, generation: number): void {
    if (generation !== this.group) return;
    this.keep({ topic, partition, offset: BigInt(offset) + 1n });
  }

  /** One attempt from inside a batch, through its eachBatch `commitOffsetsIfNecessary(offsets)`. */
  async commitFromBatch(commit: (offsets: OffsetsByTopicPartition) => Promise<void>): Promise<void> {
    const taken = this.take();
    if (taken.length === 0) return;
    try {
      await commit({
        topics: taken.map((p) => ({
          topic: p.topic,
          partitions: [{ partition: p.partition, offset: p.offset.toString() }],
        })),
      });
    } catch (err) {
      this.putBack(taken, this.group);
      this.logger.warn({ err: (err as Error).message }, 'offset commit from a batch failed; left for the next one');
    }
  }

  /** Commits what is finished, within `withinMs` (a stop while Kafka is down must not hang). */
  async stop(withinMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + withinMs;
    await within(this.inBackground ?? Promise.resolve(), withinMs);
    this.commitInBackground();
    await within(this.inBackground ?? Promise.resolve(), Math.max(0, deadline - Date.now()));
  }

  private commitInBackground(): void {
    if (this.inBackground || this.pending.size === 0) return;
    const taken = this.take();
    const generation = this.group;
    this.inBackground = this.consumer
      .commitOffsets(taken.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset.toString() })))
      .catch((err: Error) => {
        this.putBack(taken, generation);
        this.logger.warn({ err: err.message, partitions: taken.length }, 'offset commit failed; retrying');
      })
      .finally(() => (this.inBackground = undefined));
  }

  private take(): Pending[] {
    const taken = [...this.pending.values()];
    this.pending.clear();
    return taken;
  }

  /** Failed offsets wait for the next commit, unless the group moved on (or a later offset came). */
  private putBack(taken: Pending[], generation: number): void {
    if (generation === this.group) for (const p of taken) this.keep(p);
  }

  private keep(p: Pending): void {
    const key = `${p.topic}\0${p.partition}`;
    const had = this.pending.get(key);
    if (!had || had.offset < p.offset) this.pending.set(key, p);
  }
}

async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timeout = setTimeout(resolve, ms)))]);
  clearTimeout(timeout);
}
