/**
 * The commit signal (relay/commit-signal.ts): a temporary logical slot's stream wakes the relay
 * when outbox rows commit. With a 5 s poll, a row goes out in well under a second only if the
 * signal woke the relay; with the signal off the same setup waits for the poll (the test can fail).
 * The slot is temporary (gone when the relay stops or is SIGKILLed), a terminated walsender leaves
 * the relay publishing by polling and the stream comes back, and a standby holds no slot. Each
 * fault is checked to have landed before the outcome is judged.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createLogger } from '../../lib/logger.js';
import type { OutboxRow } from '../../lib/outbox/outbox-row.js';
import { COMMIT_SIGNAL_SLOT_PREFIX } from '../../relay/commit-signal.js';
import type { RelayConfig } from '../../relay/config.js';
import { startRelayService, type RelayService } from '../../relay/relay-service.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { insertOutboxRow, sampleTaskCreated } from '../helpers/outbox-writer.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { testRelayConfig } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const SLOW_POLL_MS = 5_000;
const SIGNALLED_MS = 500;

interface SlotRow {
  slot_name: string;
  temporary: boolean;
  active_pid: number | null;
}

describe('TypeScript relay: commit signal (temporary logical slot)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const relays: RelayService[] = [];
  let child: RelayProcess | undefined;
  /** event id -> when the relay's batch with it was acknowledged */
  const published = new Map<string, number>();
  /** event id -> the commit-signal slot the publishing relay streamed from at the acknowledgement */
  const streamAtAck = new Map<string, string | undefined>();

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  afterAll(async () => {
    await child?.kill();
    for (const r of relays) await r.stop().catch(() => undefined);
    await pool.end();
    await database.drop();
  });

  async function start(overrides: Partial<RelayConfig>): Promise<RelayService> {
    const self: { relay?: RelayService } = {};
    const r = await startRelayService(
      testRelayConfig(database.url, { leaderLockId: 7_301_777, ...overrides }),
      createLogger('relay-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
      {
        onPublished: (rows: OutboxRow[], ackedAt: Date) => {
          for (const row of rows) {
            published.set(row.eventId, ackedAt.getTime());
            streamAtAck.set(row.eventId, self.relay?.commitSignalSlot());
          }
        },
      },
    );
    self.relay = r;
    relays.push(r);
    return r;
  }
  async function stop(r: RelayService): Promise<void> {
    await r.stop();
    relays.splice(relays.indexOf(r), 1);
  }

  /** This database's commit-signal slots. */
  async function slots(): Promise<SlotRow[]> {
    const r = await pool.query<SlotRow>(
      `select slot_name, temporary, active_pid from pg_replication_slots
        where database = current_database() and slot_name like $1`,
      [`${COMMIT_SIGNAL_SLOT_PREFIX}%`],
    );
    return r.rows;
  }
  const streaming = (r: RelayService) =>
    waitFor(() => r.commitSignalSlot(), { timeoutMs: 20_000, what: 'the commit signal to stream' });

  /** Commits one row; resolves with the milliseconds from its commit to Kafka's acknowledgement. */
  async function commitToAck(timeoutMs = 15_000): Promise<number> {
    const row = await insertOutboxRow(pool, `signal-${randomUUID()}`, 1, await sampleTaskCreated());
    const committed = Date.now();
    const acked = await waitFor(() => published.get(row.eventId), {
      timeoutMs,
      intervalMs: 10,
      what: `event ${row.eventId} to be published`,
    });
    return acked - committed;
  }

  async function metric(r: RelayService, name: string): Promise<number> {
    const text = await (await fetch(r.metricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return Number(line?.split(' ').at(-1) ?? NaN);
  }

  it('wakes the relay at commit: with a 5 s poll a row is out in < 500 ms; with the signal off it waits for the poll', async () => {
    const relay = await start({ commitSignal: 'slot', pollIntervalMs: SLOW_POLL_MS });
    await streaming(relay);
    await sleep(200); // the wake-up at start has been handled: the relay sleeps its 5 s
    const signalled: number[] = [];
    for (let i = 0; i < 5; i++) {
      signalled.push(await commitToAck());
      await sleep(100);
    }
    expect(Math.max(...signalled)).toBeLessThan(SIGNALLED_MS);
    expect(await metric(relay, 'relay_commit_signal_streaming')).toBe(1);
    expect(await metric(relay, 'relay_commit_signal_wakeups_total')).toBeGreaterThanOrEqual(5);
    const retained = await metric(relay, 'pg_replication_slot_retained_wal_bytes');
    expect(Number.isFinite(retained)).toBe(true);
    await stop(relay);

    const polling = await start({ commitSignal: 'off', pollIntervalMs: SLOW_POLL_MS });
    await waitFor(() => polling.isActive(), { what: 'the relay without a signal to become active' });
    await sleep(300);
    expect(await slots()).toEqual([]);
    // The relay sleeps until its next poll, ~4.7 s away.
    expect(await commitToAck()).toBeGreaterThan(SLOW_POLL_MS / 2);
    await stop(polling);
  }, 60_000);

  it('holds a temporary slot that is gone when the relay stops', async () => {
    const relay = await start({ commitSignal: 'slot' });
    const name = await streaming(relay);
    const [slot] = await slots();
    expect(slot).toMatchObject({ slot_name: name, temporary: true });
    expect(slot!.active_pid).not.toBeNull();
    await stop(relay);
    expect(await slots()).toEqual([]);
  }, 60_000);

  it('loses its slot when the relay process is SIGKILLed', async () => {
    child = spawnRelay(database.url, { RELAY_COMMIT_SIGNAL: 'slot', RELAY_LOCK_ID: '7301778' });
    const slot = await waitFor(async () => (await slots()).find((s) => s.temporary && s.active_pid !== null), {
      timeoutMs: 30_000,
      what: "the relay process's slot",
    });
    const exited = new Promise<string | null>((r) => child!.child.once('exit', (_code, signal) => r(signal)));
    await child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    child = undefined;
    await waitFor(async () => !(await slots()).some((s) => s.slot_name === slot.slot_name), {
      timeoutMs: 10_000,
      what: 'the killed relay’s temporary slot to be dropped',
    });
  }, 60_000);

  it('keeps publishing by polling when its walsender is terminated, and the stream comes back', async () => {
    // A 100 ms poll, much shorter than the signal's 1 s reconnect backoff: the row committed during the
    // outage goes out by polling, while the relay has no stream.
    const relay = await start({ commitSignal: 'slot', pollIntervalMs: 100 });
    const first = await streaming(relay);
    const [slot] = await slots();
    expect(slot?.slot_name).toBe(first);
    const errorsBefore = await metric(relay, 'relay_commit_signal_interruptions_total{reason="error"}');
    const killed = await pool.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [slot!.active_pid]);
    expect(killed.rows[0]!.ok).toBe(true);
    // The fault landed: the slot went with its session, and the relay saw the stream fail.
    await waitFor(async () => !(await slots()).some((s) => s.slot_name === first), {
      timeoutMs: 10_000,
      what: 'the terminated session’s slot to go',
    });
    await waitFor(
      async () => (await metric(relay, 'relay_commit_signal_interruptions_total{reason="error"}')) > errorsBefore,
      { what: 'the relay to count the interruption' },
    );
    const row = await insertOutboxRow(pool, `signal-${randomUUID()}`, 1, await sampleTaskCreated());
    await waitFor(() => published.get(row.eventId), { timeoutMs: 10_000, intervalMs: 5, what: 'the row to go out' });
    expect(streamAtAck.has(row.eventId)).toBe(true);
    expect(streamAtAck.get(row.eventId)).toBeUndefined(); // published by polling, with no stream
    const second = await waitFor(
      () => {
        const s = relay.commitSignalSlot();
        return s !== undefined && s !== first ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'a new commit-signal stream' },
    );
    expect((await slots()).map((s) => s.slot_name)).toEqual([second]);
    // The new stream delivers commits.
    const wakeups = await metric(relay, 'relay_commit_signal_wakeups_total');
    expect(await commitToAck()).toBeGreaterThanOrEqual(0);
    await waitFor(async () => (await metric(relay, 'relay_commit_signal_wakeups_total')) > wakeups, {
      timeoutMs: 5_000,
      what: 'the new stream to report the commit',
    });
    await stop(relay);
  }, 90_000);

  it('gives the standby no slot; the slot moves with the lock', async () => {
    const a = await start({ commitSignal: 'slot' });
    const aSlot = await streaming(a);
    const b = await start({ commitSignal: 'slot' });
    await sleep(1_500); // several standby retries and signal ticks
    expect(a.isActive()).toBe(true);
    expect(b.isActive()).toBe(false);
    expect(b.commitSignalSlot()).toBeUndefined();
    expect((await slots()).map((s) => s.slot_name)).toEqual([aSlot]);
    await stop(a);
    await waitFor(() => b.isActive(), { what: 'the standby to take over' });
    const bSlot = await streaming(b);
    expect((await slots()).map((s) => s.slot_name)).toEqual([bSlot]);
    expect(await commitToAck()).toBeLessThan(SIGNALLED_MS * 4);
    await stop(b);
    expect(await slots()).toEqual([]);
  }, 60_000);
});
