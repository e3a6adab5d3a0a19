/**
 * OutboxRelay: moves committed outbox rows to Kafka, never skipping, reordering or losing one.
 *
 * Approach: claim-and-delete in id order by a single active relay (an advisory lock elects it).
 * Each round reads the committed rows with the lowest ids, publishes them, waits for Kafka's
 * acknowledgement, and only then deletes them. A row whose transaction commits late (a lower id
 * becoming visible after higher ids were published) is simply still in the table and goes out in
 * the next round: nothing relies on a cursor, so nothing can be skipped. We chose this over a
 * transaction-id horizon because it needs no horizon bookkeeping, keeps the table bounded by
 * itself (published rows are deleted), and is immune to long-running transactions holding the
 * horizon back; its price is a DELETE per batch, which a vacuum-tuned table absorbs.
 *
 * Read-ahead: while Kafka has batch N, the database deletes batch N-1 and reads batch N+1 (one
 * statement), the lowest committed ids other than N's own (N is not deleted before its
 * acknowledgement, so it is still in the table). The database's work then overlaps the broker's
 * and the relay's encoding instead of adding to every batch. The read excludes N by id, not with a cursor, so a row that
 * commits late below N's ids is in N+1.
 *
 * Order per key holds because writers lock the aggregate row before inserting its outbox row, so
 * a key's rows commit in id order and every read sees a prefix of each key's rows; each batch is
 * published in id order, each key on one idempotent producer with one request in flight, and
 * batch N+1 is published only after N is acknowledged. If N fails, N+1 is thrown away and reading
 * starts again: a retried N must go first, and a record of N the broker refused holds its key, whose
 * later rows N+1 may have read before the hold. A crash at any point leaves unacknowledged rows
 * in the table: they are published again (a duplicate, never a gap). Kafka or PostgreSQL being
 * down is transient: back off and retry forever. Only a record the broker refuses outright goes
 * to `<topic>.dlq`, and its key is held back until an operator releases or replays it
 * (relay/ops.ts).
 */
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { kafkaErrorType } from '../lib/errors.js';
import { classifyPublishError, type KafkaPublisher } from './kafka-publisher.js';
import type { OutboxRow } from '../lib/outbox/outbox-row.js';
import { deadLetterRow, deleteOutboxRows, fetchOutboxBatch, stalledWriters } from './outbox-store.js';
import type { RelayMetrics } from './relay-metrics.js';

export interface OutboxRelayDeps {
  pool: pg.Pool;
  publisher: KafkaPublisher;
  metrics: RelayMetrics;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  stalledWriterWarnMs: number;
  /** Whether this process may publish now (it holds the leader lock). */
  isActive: () => boolean;
  /** Called after each acknowledged batch (benchmarks measure latency through it). */
  onPublished?: (rows: OutboxRow[], ackedAt: Date) => void;
}

const MAX_BACKOFF_MS = 5_000;

export class OutboxRelay {
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private backoffMs = 0;
  private lastStallCheck = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly d: OutboxRelayDeps) {}

  /** A hint that new rows may be there (NOTIFY); ends the current idle wait. */
  wake(): void {
    this.wakeUp?.();
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Finishes the batch in flight, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.d.isActive()) {
        await this.sleep(this.d.pollIntervalMs);
        continue;
      }
      let published = 0;
      try {
        published = await this.drain();
        this.backoffMs = 0;
      } catch (err) {
        this.d.metrics.errors.inc({ kind: 'transient' });
        this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, this.backoffMs * 2));
        this.d.logger.warn({ err: (err as Error).message, retryInMs: this.backoffMs }, 'relay round failed; retrying');
        await this.sleep(this.backoffMs * (0.5 + Math.random() / 2));
        continue;
      }
      if (published === 0) {
        await this.checkStalledWriters();
        await this.sleep(this.d.pollIntervalMs);
      }
    }
  }

  /**
   * Publishes batches, reading each one ahead while the previous is out (see the module comment),
   * until the outbox is empty or the relay stops or loses its lock. Returns the rows handled.
   */
  private async drain(): Promise<number> {
    // One connection for the whole drain: a query on it goes on the wire at once, before the
    // publish below starts encoding, instead of after a pool checkout that waits for the encoding.
    const db = await this.d.pool.connect();
    let dbBroken: Error | undefined;
    let handled = 0;
    let acked: string[] = [];
    try {
      let batch = await fetchOutboxBatch(db, this.d.batchSize);
      while (batch.length > 0) {
        const inFlight = batch.map((r) => r.id);
        const nextBatch = fetchOutboxBatch(db, this.d.batchSize, inFlight, acked);
        acked = [];
        // Awaited on every path below; this only keeps an early failure from counting as unhandled.
        nextBatch.catch(() => undefined);
        try {
          await this.d.publisher.publish(batch);
        } catch (err) {
          await nextBatch;
          const kind = classifyPublishError(err);
          if (kind === 'session') await this.d.publisher.reset();
          if (kind !== 'poison') throw err;
          return handled + (await this.isolatePoison(batch));
        }
        this.acknowledged(batch, new Date());
        acked = inFlight;
        handled += batch.length;
        batch = await nextBatch;
        if (this.stopping || !this.d.isActive()) break;
      }
      // Acknowledged rows are deleted before anything else is read, or they would go out again.
      await deleteOutboxRows(db, acked);
    } catch (err) {
      // The drain's connection is discarded (it may be what failed). Rows acknowledged but not yet
      // deleted are deleted on another one if possible; if not, they go out again (a duplicate).
      dbBroken = err as Error;
      await deleteOutboxRows(this.d.pool, acked).catch(() => undefined);
      throw err;
    } finally {
      db.release(dbBroken);
    }
    return handled;
  }

  /** Counts and times an acknowledged batch; its rows are deleted by the caller. */
  private acknowledged(rows: OutboxRow[], ackedAt: Date): void {
    const ackedMs = ackedAt.getTime();
    const perTopic = new Map<string, number>();
    for (const r of rows) {
      perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
      if (r.committedAt) this.d.metrics.publishLatency.observe((ackedMs - r.committedAt.getTime()) / 1000);
    }
    for (const [topic, n] of perTopic) this.d.metrics.published.inc({ topic }, n);
    this.d.onPublished?.(rows, ackedAt);
  }

  /**
   * A batch had a record the broker refuses. Publish row by row to find it: it goes to the DLQ,
   * its key is held, and the rest of the key's rows in this batch wait with it.
   */
  private async isolatePoison(rows: OutboxRow[]): Promise<number> {
    const heldKeys = new Set<string>();
    for (const row of rows) {
      if (this.stopping) break;
      if (heldKeys.has(row.messageKey)) continue;
      try {
        await this.d.publisher.publish([row]);
        const ackedAt = new Date();
        await deleteOutboxRows(this.d.pool, [row.id]);
        this.acknowledged([row], ackedAt);
      } catch (err) {
        if (classifyPublishError(err) !== 'poison') throw err;
        const type = kafkaErrorType(err) ?? 'UNKNOWN';
        const reason = `${type}: ${(err as Error).message}`;
        await this.d.publisher.sendToDlq(row, err as Error, reason, type);
        await deadLetterRow(this.d.pool, row, reason);
        heldKeys.add(row.messageKey);
        this.d.metrics.deadLettered.inc({ topic: row.topic });
        this.d.metrics.errors.inc({ kind: 'poison' });
        this.d.logger.error(
          { eventId: row.eventId, topic: row.topic, key: row.messageKey, reason },
          'event dead-lettered; later events of its key are held',
        );
      }
    }
    return rows.length;
  }

  private async checkStalledWriters(): Promise<void> {
    const now = Date.now();
    if (now - this.lastStallCheck < this.d.stalledWriterWarnMs) return;
    this.lastStallCheck = now;
    const stalled = await stalledWriters(this.d.pool, this.d.stalledWriterWarnMs).catch(() => []);
    for (const s of stalled) {
      this.d.logger.warn(
        { pid: s.pid, ageSeconds: Math.round(s.ageSeconds), state: s.state, query: s.query },
        'a long-open writing transaction delays the outbox rows it wrote',
      );
    }
  }
}
