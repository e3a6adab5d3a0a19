/**
 * Admission control (issue 16, item 11): past the bound on requests in flight, or past the bound on
 * the wait for a database connection, the API answers 503 with Retry-After at once and writes
 * nothing; /healthz keeps answering. Requests are held in flight by a real lock on the tasks table.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { waitFor } from '../helpers/wait-for.js';
import { newUser } from './api-checks.js';

/** A client that holds a SHARE lock on tasks: every task INSERT waits for it. */
async function lockTasks(url: string): Promise<{ waiting: () => Promise<number>; release: () => Promise<void> }> {
  const locker = new pg.Client({ connectionString: url });
  // Another session: inside the locker's transaction pg_stat_activity would stay one snapshot.
  const prober = new pg.Client({ connectionString: url });
  await Promise.all([locker.connect(), prober.connect()]);
  await locker.query('begin');
  await locker.query('lock table tasks in share mode');
  let released = false;
  return {
    waiting: async () =>
      Number(
        (
          await prober.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          )
        ).rows[0]!.n,
      ),
    release: async () => {
      if (released) return;
      released = true;
      await locker.query('commit');
      await Promise.all([locker.end(), prober.end()]);
    },
  };
}

async function written(api: TestApi, user: string) {
  const db = api.database.db;
  const [tasks, outbox, keys] = await Promise.all([
    db.task.findMany({ where: { userId: user }, select: { title: true } }),
    db.outboxEvent.count({ where: { userId: user } }),
    db.idempotentRequest.findMany({ where: { userId: user }, select: { key: true } }),
  ]);
  return { titles: tasks.map((t) => t.title).sort(), outbox, keys: keys.map((k) => k.key).sort() };
}

describe('admission control: requests in flight', () => {
  const MAX_IN_FLIGHT = 4;
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      admission: { maxInFlight: MAX_IN_FLIGHT, retryAfterSeconds: 2 },
      sse: true,
      notifications: true,
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  test('a flood past the limit gets 503 with Retry-After at once and writes nothing; /healthz answers', async () => {
    const user = newUser();
    // The title doubles as the Idempotency-Key (visible ASCII, no spaces).
    const post = (title: string) => api.call(user, 'POST', '/tasks', { title }, { 'Idempotency-Key': title });
    const lock = await lockTasks(api.database.url);
    let admitted: Promise<Awaited<ReturnType<typeof post>>[]> | undefined;
    try {
      const admittedTitles = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => `admitted-${i}-${randomUUID()}`);
      admitted = Promise.all(admittedTitles.map(post));
      await waitFor(async () => (await lock.waiting()) === MAX_IN_FLIGHT, {
        intervalMs: 20,
        what: `${MAX_IN_FLIGHT} requests waiting on the lock`,
      });

      // The API is full: a flood is refused while the admitted requests still wait on the lock.
      const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`refused-${i}-${randomUUID()}`)));
      for (const r of flood) {
        expect(r.status).toBe(503);
        expect(r.headers.get('retry-after')).toBe('2');
        expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(r.body).toMatchObject({ status: 503, code: 'overloaded' });
      }
      expect(await lock.waiting()).toBe(MAX_IN_FLIGHT);
      // Live streams are not requests in flight: a full API still opens them (with a query string too).
      for (const path of ['/events', '/notifications/events?from=now']) {
        const stream = new AbortController();
        const res = await fetch(`${api.baseUrl}/api/${user}${path}`, {
          headers: { authorization: `Bearer ${await api.token(user)}` },
          signal: stream.signal,
        });
        expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
          path,
          status: 200,
          type: expect.stringMatching(/^text\/event-stream/),
        });
        stream.abort();
      }
      const health = await fetch(`${api.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/api_requests_shed_total\{reason="in_flight"\} 40/);
      expect(metrics).toMatch(/api_requests_in_flight 4/);

      await lock.release();
      const done = await admitted;
      expect(done.map((r) => r.status)).toEqual(admittedTitles.map(() => 201));
      // Only the admitted requests wrote: their tasks, their TaskCreated rows, their Idempotency-Keys.
      expect(await written(api, user)).toEqual({
        titles: [...admittedTitles].sort(),
        outbox: MAX_IN_FLIGHT,
        keys: [...admittedTitles].sort(),
      });
    } finally {
      await lock.release().catch(() => undefined);
      await admitted?.catch(() => undefined);
    }
    // Answered requests leave the count: the API admits again.
    const after = await post(`after-${randomUUID()}`);
    expect(after.status).toBe(201);
  });
});

describe('admission control: the wait for a database connection', () => {
  const DB_WAIT_MS = 300;
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ poolMax: 2, admission: { dbWaitMs: DB_WAIT_MS, retryAfterSeconds: 1 } });
  });
  afterAll(async () => {
    await api.stop();
  });

  test('a request that gets no connection within the bound gets 503 with Retry-After and writes nothing', async () => {
    const user = newUser();
    // The title doubles as the Idempotency-Key (visible ASCII, no spaces).
    const post = (title: string) => api.call(user, 'POST', '/tasks', { title }, { 'Idempotency-Key': title });
    const lock = await lockTasks(api.database.url);
    let holding: Promise<Awaited<ReturnType<typeof post>>[]> | undefined;
    try {
      // Both pooled connections wait on the lock.
      const holders = [`holder-1-${randomUUID()}`, `holder-2-${randomUUID()}`];
      holding = Promise.all(holders.map(post));
      await waitFor(async () => (await lock.waiting()) === 2, { intervalMs: 20, what: 'two requests on the lock' });

      const refused = await Promise.all([post(`waiter-1-${randomUUID()}`), post(`waiter-2-${randomUUID()}`)]);
      for (const r of refused) {
        expect(r.status).toBe(503);
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.body).toMatchObject({ status: 503, code: 'overloaded' });
      }
      // Refused after the bound, not after the lock: the holders still wait.
      expect(await lock.waiting()).toBe(2);
      const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/api_requests_shed_total\{reason="db_wait"\} 2/);

      await lock.release();
      expect((await holding).map((r) => r.status)).toEqual([201, 201]);
      expect(await written(api, user)).toEqual({ titles: [...holders].sort(), outbox: 2, keys: [...holders].sort() });
    } finally {
      await lock.release().catch(() => undefined);
      await holding?.catch(() => undefined);
    }
  });
});

/**
 * A TCP proxy to PostgreSQL that holds each new connection's first bytes for `delayMs`: a database
 * that is slow to accept connections (a restart, a connection storm).
 */
async function slowToConnect(target: URL, delayMs: number) {
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pause();
    setTimeout(() => {
      client.pipe(upstream).pipe(client);
      client.resume();
    }, delayMs);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('admission control: a new database connection that takes too long to open', () => {
  const DB_WAIT_MS = 200;
  let database: TestDatabase;
  let proxy: Awaited<ReturnType<typeof slowToConnect>>;
  let api: TestApi;
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await slowToConnect(new URL(database.url), 1_000);
    api = await startTestApi({
      database,
      poolConnectionString: proxy.url,
      admission: { dbWaitMs: DB_WAIT_MS, retryAfterSeconds: 1 },
    });
  });
  afterAll(async () => {
    await api?.stop();
    await proxy?.close();
    await database?.drop();
  });

  // pg-pool reports this case with its own message ("Connection terminated due to connection
  // timeout"), not the one of a wait for a busy pool: it was answered 500.
  test('is answered 503 with Retry-After, not 500, and writes nothing', async () => {
    const user = newUser();
    const title = `slow-connect-${randomUUID()}`;
    const r = await api.call(user, 'POST', '/tasks', { title }, { 'Idempotency-Key': title });
    expect(proxy.connections()).toBeGreaterThan(0);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ status: 503, code: 'overloaded' });
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/api_requests_shed_total\{reason="db_wait"\} 1/);
    expect(await written(api, user)).toEqual({ titles: [], outbox: 0, keys: [] });
  });
});
