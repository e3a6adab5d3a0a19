/**
 * The commit signal: PostgreSQL's logical replication stream tells the active relay when a
 * transaction that inserted outbox rows has committed, so it reads at once instead of at its next
 * poll. The stream is only a signal: the relay reads the rows from the table exactly as it does
 * after a poll (outbox-relay.ts), and the poll goes on underneath, so a stream that is down, slow or
 * lagging costs latency, never an event.
 *
 * Only while this process holds the leader lock it opens a replication connection, creates a
 * TEMPORARY logical slot (`pgoutput`, publication `outbox_relay_signal`: inserts into the outbox
 * only; see its migration) and streams from it. PostgreSQL drops a temporary slot when its session
 * ends, whoever ends it: a stop, a lost lock, a SIGKILL of the relay, a terminated walsender.
 * Each received position is acknowledged (a standby status update with write = flush = apply =
 * the last position received) after a commit and on a timer, so the slot holds back no more WAL
 * than the server's next running-transactions record. Bound: when the WAL the slot retains
 * (`pg_current_wal_lsn() - restart_lsn`, which is at least the read lag `- confirmed_flush_lsn`)
 * exceeds `maxRetainedBytes`, the session is closed (dropping the slot) and opened again after a
 * backoff; a failed stream is reopened the same way.
 *
 * Creating a logical slot waits for the transactions running at that moment to end (PostgreSQL
 * needs a consistent snapshot), so a long-open transaction delays the signal; it never delays the
 * relay, which polls meanwhile. A session cut while it waits is terminated by pid, so its slot goes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Counter, Gauge } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { parseLsn } from '../lib/db/lsn.js';
import { sqlState } from '../lib/errors.js';

/** Created by the migration `*_outbox_commit_signal`: `FOR TABLE outbox WITH (publish = 'insert')`. */
export const COMMIT_SIGNAL_PUBLICATION = 'outbox_relay_signal';
/** Every commit-signal slot's name starts so (dashboards and tests find them by it). */
export const COMMIT_SIGNAL_SLOT_PREFIX = 'outbox_relay_signal_';

export interface CommitSignalMetrics {
  streaming: Gauge;
  wakeups: Counter;
  interruptions: Counter<'reason'>;
  retainedWal: Gauge;
}

export interface CommitSignalOptions {
  databaseUrl: string;
  /** For the slot's lag and, when a session will not end, terminating its walsender. */
  pool: pg.Pool;
  /** The relay holds the leader lock: only then is there a slot. */
  isActive: () => boolean;
  /** A transaction that inserted outbox rows has committed. */
  onCommit: () => void;
  /** Close the session (and so drop the slot) when it retains more WAL than this. */
  maxRetainedBytes: number;
  logger: Logger;
  metrics: CommitSignalMetrics;
  /** How often the session is checked (lock, lag) and its position acknowledged. */
  tickMs?: number;
}

const PG_EPOCH_MS = 946_684_800_000n; // 2000-01-01T00:00:00Z
const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A status update at least this often even when nothing arrived (wal_sender_timeout is 60 s by default). */
const IDLE_STATUS_MS = 10_000;
/** After a commit, the next status update goes out no later than this. */
const COMMIT_STATUS_MS = 100;
/**
 * A commit's record reaches the walsender once it is flushed, an instant before the committing
 * backend makes it visible to other snapshots: a second wake-up covers a read that fell in between.
 */
const REWAKE_MS = 25;
const LAG_CHECK_MS = 1_000;

type CloseReason = 'stop' | 'standby' | 'lag' | 'error';

interface ReplicationConnection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
}

class Session {
  readonly slot = `${COMMIT_SIGNAL_SLOT_PREFIX}${randomBytes(6).toString('hex')}`;
  readonly client: pg.Client;
  pid: number | undefined;
  streaming = false;
  closing = false;
  /** Last position received outside a transaction: everything before it has been seen. */
  received = 0n;
  acked = 0n;
  lastStatusAt = 0;
  lastLagCheckAt = 0;
  inTransaction = false;
  inserted = false;

  constructor(databaseUrl: string) {
    const config: pg.ClientConfig & { replication: 'database' } = {
      connectionString: databaseUrl,
      application_name: 'outbox-relay-signal',
      replication: 'database',
      keepAlive: true,
    };
    this.client = new pg.Client(config);
  }

  get connection(): ReplicationConnection {
    return (this.client as unknown as { connection: ReplicationConnection }).connection;
  }

  sendStatus(now: number): void {
    const lsn = this.received;
    const b = Buffer.alloc(34);
    b.write('r', 0, 'latin1');
    b.writeBigUInt64BE(lsn, 1); // written
    b.writeBigUInt64BE(lsn, 9); // flushed: the slot's confirmed_flush_lsn follows it
    b.writeBigUInt64BE(lsn, 17); // applied
    b.writeBigUInt64BE((BigInt(now) - PG_EPOCH_MS) * 1000n, 25);
    b.writeUInt8(0, 33);
    this.connection.sendCopyFromChunk(b);
    this.acked = lsn;
    this.lastStatusAt = now;
  }
}

export class CommitSignal {
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private ticking = false;
  private nextAttemptAt = 0;
  private backoffMs = MIN_BACKOFF_MS;
  /** The last warning logged, so a repeated failure is logged once. */
  private lastWarning = '';
  private rewake: NodeJS.Timeout | undefined;
  private closings = new Set<Promise<void>>();

  constructor(private readonly o: CommitSignalOptions) {}

  /** The slot this relay streams from now, if any (tests and logs). */
  get slotName(): string | undefined {
    return this.session?.streaming ? this.session.slot : undefined;
  }

  start(): void {
    this.o.metrics.streaming.set(0);
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 250);
    this.timer.unref();
    void this.tick();
  }

  /** Ends the session and waits until its slot is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    clearTimeout(this.rewake);
    if (this.session) this.close(this.session, 'stop');
    while (this.closings.size > 0) await Promise.all([...this.closings]);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      const s = this.session;
      if (!this.o.isActive()) {
        if (s) this.close(s, 'standby');
        return;
      }
      if (!s) {
        if (Date.now() >= this.nextAttemptAt) void this.open();
        return;
      }
      const now = Date.now();
      if (s.streaming && (s.received > s.acked || now - s.lastStatusAt >= IDLE_STATUS_MS)) s.sendStatus(now);
      if (now - s.lastLagCheckAt >= LAG_CHECK_MS) {
        s.lastLagCheckAt = now;
        await this.checkLag(s);
      }
    } catch {
      // The lag query failed (the database is away): the stream's own failure, if any, reports it.
    } finally {
      this.ticking = false;
    }
  }

  private async checkLag(s: Session): Promise<void> {
    const { rows } = await this.o.pool.query<{ retained: string | null }>(
      `select pg_wal_lsn_diff(pg_current_wal_lsn(), least(restart_lsn, confirmed_flush_lsn))::bigint::text as retained
         from pg_replication_slots where slot_name = $1`,
      [s.slot],
    );
    if (s !== this.session || s.closing) return;
    const retained = Number(rows[0]?.retained ?? 0);
    this.o.metrics.retainedWal.set(retained);
    if (retained > this.o.maxRetainedBytes) {
      this.warnOnce(
        { slot: s.slot, retainedBytes: retained, maxBytes: this.o.maxRetainedBytes },
        'commit-signal slot retains too much WAL: dropped it, polling until it is opened again',
      );
      this.o.metrics.interruptions.inc({ reason: 'lag' });
      this.nextAttemptAt = Date.now() + MAX_BACKOFF_MS;
      this.close(s, 'lag');
    }
  }

  private async open(): Promise<void> {
    const s = new Session(this.o.databaseUrl);
    this.session = s;
    s.client.on('error', (err) => this.failed(s, err));
    s.client.on('end', () => this.failed(s, new Error('replication connection closed')));
    try {
      await s.client.connect();
      s.pid = (s.client as unknown as { processID: number | null }).processID ?? undefined;
      if (s.closing) return;
      const created = await s.client.query<{ consistent_point: string }>(
        `CREATE_REPLICATION_SLOT ${s.slot} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`,
      );
      const start = created.rows[0]!.consistent_point;
      s.received = parseLsn(start);
      if (s.closing) return;
      s.connection.on('copyData', ({ chunk }) => this.onCopyData(s, chunk));
      const pub = pg.escapeLiteral(COMMIT_SIGNAL_PUBLICATION);
      // The query stays open as long as the stream does; its end is the stream's end.
      s.client
        .query(`START_REPLICATION SLOT ${s.slot} LOGICAL ${start} (proto_version '1', publication_names ${pub})`)
        .then(
          () => this.failed(s, new Error('replication stream ended')),
          (err: Error) => this.failed(s, err),
        );
      s.streaming = true;
      s.lastStatusAt = Date.now();
      // Commits between the last stream's end and this slot's start were signalled to nobody.
      this.o.onCommit();
      this.o.metrics.streaming.set(1);
      this.backoffMs = MIN_BACKOFF_MS;
      if (this.lastWarning !== '') this.o.logger.info({ slot: s.slot }, 'commit signal streaming again');
      else this.o.logger.info({ slot: s.slot }, 'commit signal streaming');
      this.lastWarning = '';
    } catch (err) {
      this.failed(s, err as Error);
    }
  }

  private onCopyData(s: Session, chunk: Buffer): void {
    if (s.closing) return;
    const kind = chunk[0];
    if (kind === 0x77) {
      // XLogData: 'w', start (8), end (8), send time (8), then one pgoutput message.
      const msg = chunk.subarray(25);
      switch (msg[0]) {
        case 0x42: // 'B'egin
          s.inTransaction = true;
          s.inserted = false;
          break;
        case 0x49: // 'I'nsert
          s.inserted = true;
          break;
        case 0x43: {
          // 'C'ommit: flags (1), commit LSN (8), end LSN (8), commit time (8)
          s.inTransaction = false;
          s.received = bigMax(s.received, msg.readBigUInt64BE(10));
          if (s.inserted) this.signal();
          const now = Date.now();
          if (now - s.lastStatusAt >= COMMIT_STATUS_MS) s.sendStatus(now);
          break;
        }
      }
    } else if (kind === 0x6b) {
      // Keepalive: 'k', server's end of WAL (8), send time (8), reply requested (1).
      if (!s.inTransaction) s.received = bigMax(s.received, chunk.readBigUInt64BE(1));
      if (chunk[17] === 1) s.sendStatus(Date.now());
    }
  }

  private signal(): void {
    this.o.metrics.wakeups.inc();
    this.o.onCommit();
    if (this.rewake) return;
    this.rewake = setTimeout(() => {
      this.rewake = undefined;
      this.o.onCommit();
    }, REWAKE_MS);
    this.rewake.unref();
  }

  /** The session failed (or ended by the server): close it and try again after a backoff. */
  private failed(s: Session, err: Error): void {
    if (s.closing) return;
    const denied = sqlState(err) === '42501';
    this.warnOnce(
      { err: err.message, slot: s.slot, retryInMs: this.backoffMs },
      denied
        ? "commit signal unavailable: the relay's database role needs the REPLICATION attribute (ALTER ROLE ... REPLICATION); polling"
        : 'commit signal stream failed; polling until it is back',
    );
    this.o.metrics.interruptions.inc({ reason: 'error' });
    this.nextAttemptAt = Date.now() + (denied ? MAX_BACKOFF_MS : this.backoffMs);
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.close(s, 'error');
  }

  private warnOnce(fields: Record<string, unknown>, message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.o.logger.warn(fields, message);
  }

  /** Ends the session; its slot is gone when the returned work (tracked for stop) is done. */
  private close(s: Session, reason: CloseReason): void {
    if (s.closing) return;
    s.closing = true;
    if (this.session === s) {
      this.session = undefined;
      this.o.metrics.streaming.set(0);
    }
    if (reason === 'standby') this.o.logger.info({ slot: s.slot }, 'not the active relay: commit signal closed');
    const done = this.dropSlot(s).finally(() => this.closings.delete(done));
    this.closings.add(done);
  }

  private async dropSlot(s: Session): Promise<void> {
    s.client.removeAllListeners('end');
    s.client.removeAllListeners('error');
    s.client.on('error', () => undefined);
    await Promise.race([s.client.end().catch(() => undefined), sleep(1_000)]);
    // The walsender may still be busy (creating the slot waits for running transactions and only
    // then sees the closed socket): terminate it, so the temporary slot goes now.
    for (let i = 0; i < 50; i++) {
      const left = await this.o.pool
        .query<{ slot: boolean; backend: boolean }>(
          `select exists (select 1 from pg_replication_slots where slot_name = $1) as slot,
                  exists (select 1 from pg_stat_activity where pid = $2) as backend`,
          [s.slot, s.pid ?? 0],
        )
        .then((r) => r.rows[0])
        .catch(() => undefined);
      // Gone, or the database is unreachable (the session then ends with its connection).
      if (!left || (!left.slot && !left.backend)) return;
      if (i >= 5 && s.pid !== undefined)
        await this.o.pool.query('select pg_terminate_backend($1)', [s.pid]).catch(() => undefined);
      await sleep(100);
    }
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
