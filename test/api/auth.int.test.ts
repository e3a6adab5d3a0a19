/** Authentication and per-user isolation, plus the unauthenticated health and metrics endpoints. */
import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { startTestApi, TEST_JWT_SECRET, type TestApi } from '../helpers/test-api.js';
import { counts, newUser, outboxRows, scrapeMetrics } from './api-checks.js';

const sign = (secret: string, build: (j: SignJWT) => SignJWT, alg = 'HS256') =>
  build(new SignJWT({}).setProtectedHeader({ alg })).sign(new TextEncoder().encode(secret));

describe('auth', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  /** A raw request with exactly the given Authorization header (or none). */
  const raw = async (user: string, method: string, path: string, authorization?: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}/api/${user}${path}`, {
      method,
      headers: {
        ...(authorization !== undefined && { authorization }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  const expect401 = (r: { status: number; body: any; headers: Headers }, detail: RegExp) => {
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(r.body.title).toMatch(detail);
  };

  test('no token: 401 on every route, nothing written', async () => {
    const user = newUser();
    const before = await counts(api.database.db);
    expect401(await raw(user, 'GET', '/tasks'), /missing bearer token/);
    expect401(await raw(user, 'POST', '/tasks', undefined, { title: 'sneaky' }), /missing bearer token/);
    expect401(
      await raw(user, 'POST', '/chat', undefined, { message: 'add buy milk tomorrow' }),
      /missing bearer token/,
    );
    expect(await counts(api.database.db)).toEqual(before);
  });

  test('malformed Authorization headers: 401', async () => {
    const user = newUser();
    const good = await api.token(user);
    for (const header of [
      '',
      'Bearer',
      'Bearer ',
      `Basic ${good}`,
      `Token ${good}`,
      `Bearer ${good} extra`,
      good,
      'Bearer not.a.jwt',
      'Bearer abc',
    ]) {
      const r = await raw(user, 'GET', '/tasks', header);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    }
    // The scheme is case-insensitive; the same token works with a proper header.
    expect((await raw(user, 'GET', '/tasks', `bearer ${good}`)).status).toBe(200);
    expect((await raw(user, 'GET', '/tasks', `Bearer ${good}`)).status).toBe(200);
  });

  test('a token signed with another secret: 401 invalid token', async () => {
    const user = newUser();
    const forged = await sign('some-other-secret-0123456789', (j) =>
      j.setSubject(user).setIssuedAt().setExpirationTime('1h'),
    );
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${forged}`), /invalid token/);
    const before = await counts(api.database.db);
    expect401(await raw(user, 'POST', '/tasks', `Bearer ${forged}`, { title: 'forged' }), /invalid token/);
    expect(await counts(api.database.db)).toEqual(before);
  });

  test('a token with the right secret but another algorithm, or an unsigned one: 401', async () => {
    const user = newUser();
    const hs512 = await sign(TEST_JWT_SECRET, (j) => j.setSubject(user).setExpirationTime('1h'), 'HS512');
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${hs512}`), /invalid token/);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${unsigned}`), /invalid token/);
  });

  test('an expired token: 401 token expired', async () => {
    const user = newUser();
    const expired = await api.token(user, Math.floor(Date.now() / 1000) - 60);
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${expired}`), /token expired/);
  });

  test('a token accepted once is refused once it has expired (verified tokens are remembered only until their expiry)', async () => {
    const user = newUser();
    const shortLived = await api.token(user, Math.floor(Date.now() / 1000) + 2);
    expect((await raw(user, 'GET', '/tasks', `Bearer ${shortLived}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${shortLived}`), /token expired/);
  });

  test("a remembered token still answers 404 on another user's path", async () => {
    const [alice, bob] = [newUser(), newUser()];
    const token = await api.token(alice);
    expect((await raw(alice, 'GET', '/tasks', `Bearer ${token}`)).status).toBe(200);
    expect((await raw(bob, 'GET', '/tasks', `Bearer ${token}`)).status).toBe(404);
  });

  test('a token without a subject: 401', async () => {
    const user = newUser();
    const noSub = await sign(TEST_JWT_SECRET, (j) => j.setIssuedAt().setExpirationTime('1h'));
    expect401(await raw(user, 'GET', '/tasks', `Bearer ${noSub}`), /no subject/);
  });

  describe('isolation between users', () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    let task: any;

    beforeAll(async () => {
      const r = await api.call(alice, 'POST', '/tasks', { title: "alice's secret", priority: 'High' });
      expect(r.status).toBe(201);
      task = r.body;
    });

    test("alice's token on bob's path answers 404, as if bob did not exist, and writes nothing", async () => {
      const aliceToken = await api.token(alice);
      const before = await counts(api.database.db);
      for (const [method, path, body] of [
        ['GET', '/tasks', undefined],
        ['POST', '/tasks', { title: 'planted' }],
        ['GET', `/tasks/${task.id}`, undefined],
        ['POST', '/chat', { message: 'add planted tomorrow' }],
      ] as const) {
        const r = await raw(bob, method, path, `Bearer ${aliceToken}`, body);
        expect([method, path, r.status]).toEqual([method, path, 404]);
        expect(r.body.code).toBe('not_found');
      }
      expect(await counts(api.database.db)).toEqual(before);
    });

    test("bob cannot see, change, delete or complete alice's task through his own path", async () => {
      const before = await counts(api.database.db);
      const rowBefore = await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } });
      const outboxBefore = await outboxRows(api.database.db, task.id);

      const attempts = [
        await api.call(bob, 'GET', `/tasks/${task.id}`),
        await api.call(bob, 'PATCH', `/tasks/${task.id}`, { title: 'pwned', completed: true }),
        await api.call(bob, 'DELETE', `/tasks/${task.id}`),
        await api.call(bob, 'POST', `/tasks/${task.id}/complete`),
      ];
      expect(attempts.map((r) => r.status)).toEqual([404, 404, 404, 404]);
      for (const r of attempts) expect(r.body).toMatchObject({ code: 'not_found', title: 'task not found' });
      // The 404 for an existing foreign task is indistinguishable from an unknown id.
      const unknown = await api.call(bob, 'GET', '/tasks/00000000-0000-4000-8000-000000000000');
      expect(unknown.body).toEqual(attempts[0]!.body);

      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } })).toEqual(rowBefore);
      expect(await outboxRows(api.database.db, task.id)).toEqual(outboxBefore);
      expect(await counts(api.database.db)).toEqual(before);

      // Bob's list shows none of alice's tasks, alice still sees hers unchanged.
      expect((await api.call(bob, 'GET', '/tasks?status=all')).body.items).toEqual([]);
      expect((await api.call(bob, 'GET', '/tasks?q=secret')).body.items).toEqual([]);
      const mine = await api.call(alice, 'GET', `/tasks/${task.id}`);
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual(task);
    });

    test("bob's chat cannot reach alice's task by title or by id", async () => {
      const before = await counts(api.database.db);
      for (const message of ["mark alice's secret done", `delete ${task.id}`, "rename alice's secret to mine"]) {
        const r = await api.call(bob, 'POST', '/chat', { message });
        expect(r.status).toBe(200);
        expect(r.body.tool_calls).toHaveLength(1);
        expect(r.body.tool_calls[0].result).toHaveProperty('error');
      }
      const after = await counts(api.database.db);
      // Only the conversation and its messages were written.
      expect({ ...after, conversations: 0, messages: 0 }).toEqual({ ...before, conversations: 0, messages: 0 });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
        title: "alice's secret",
        completed: false,
        version: 1,
      });
    });
  });

  describe('token lifetime (exp required, JWT_MAX_LIFETIME_SECONDS)', () => {
    const now = () => Math.floor(Date.now() / 1000);

    test('a token without exp: 401 "token has no expiry", on reads and writes, nothing written', async () => {
      const user = newUser();
      const forever = await sign(TEST_JWT_SECRET, (j) => j.setSubject(user).setIssuedAt());
      const bare = await sign(TEST_JWT_SECRET, (j) => j.setSubject(user));
      const before = await counts(api.database.db);
      for (const token of [forever, bare]) {
        expect401(await raw(user, 'GET', '/tasks', `Bearer ${token}`), /token has no expiry \(exp\)/);
        expect401(await raw(user, 'POST', '/tasks', `Bearer ${token}`, { title: 'immortal' }), /no expiry/);
        expect401(
          await raw(user, 'POST', '/chat', `Bearer ${token}`, { message: 'add immortal tomorrow' }),
          /no expiry/,
        );
      }
      expect(await counts(api.database.db)).toEqual(before);
    });

    test('a token living longer than the default day: 401 naming the limit, nothing written', async () => {
      const user = newUser();
      const before = await counts(api.database.db);
      for (const token of [
        await sign(TEST_JWT_SECRET, (j) => j.setSubject(user).setIssuedAt().setExpirationTime('30d')),
        // No iat: counted from now.
        await sign(TEST_JWT_SECRET, (j) => j.setSubject(user).setExpirationTime('25h')),
        // Issued two days ago for 49 hours: one hour left, but a lifetime over the cap.
        await sign(TEST_JWT_SECRET, (j) =>
          j
            .setSubject(user)
            .setIssuedAt(now() - 48 * 3600)
            .setExpirationTime(now() + 3600),
        ),
      ]) {
        expect401(await raw(user, 'GET', '/tasks', `Bearer ${token}`), /lifetime exceeds the maximum of 86400 s/);
        expect401(await raw(user, 'POST', '/tasks', `Bearer ${token}`, { title: 'long-lived' }), /lifetime/);
      }
      expect(await counts(api.database.db)).toEqual(before);
      const aDay = await sign(TEST_JWT_SECRET, (j) => j.setSubject(user).setIssuedAt().setExpirationTime('24h'));
      expect((await raw(user, 'GET', '/tasks', `Bearer ${aDay}`)).status).toBe(200);
    });

    describe('with JWT_MAX_LIFETIME_SECONDS=600', () => {
      let capped: TestApi;
      beforeAll(async () => {
        capped = await startTestApi({ jwtMaxLifetimeSeconds: 600 });
      });
      afterAll(async () => {
        await capped?.stop();
      });

      const get = async (user: string, token: string) =>
        (await fetch(`${capped.baseUrl}/api/${user}/tasks`, { headers: { authorization: `Bearer ${token}` } })).status;

      test('a token of an hour is refused, one of ten minutes accepted', async () => {
        const user = newUser();
        expect(await get(user, await capped.token(user, '1h'))).toBe(401);
        expect(await get(user, await capped.token(user, '10m'))).toBe(200);
      });

      /** `npm run token -- <args>` with the test secret and that cap. */
      const npmRunToken = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
          encoding: 'utf8',
          env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, JWT_MAX_LIFETIME_SECONDS: '600' },
        });

      test('npm run token prints a token the API accepts, and refuses to print one beyond the cap', async () => {
        const user = newUser();
        const ok = npmRunToken(user);
        expect(ok.status).toBe(0);
        expect(await get(user, ok.stdout.trim())).toBe(200);
        const tooLong = npmRunToken(user, '--expires', '2h');
        expect(tooLong.status).toBe(2);
        expect(tooLong.stdout).toBe('');
        expect(tooLong.stderr).toMatch(/JWT_MAX_LIFETIME_SECONDS \(600 s\)/);
      });
    });
  });

  test('/healthz and /readyz answer 200 without a token', async () => {
    const health = await fetch(`${api.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ database: true, schemas: true });
  });

  test('/metrics exposes request and outbox counters labelled by route pattern, not by id', async () => {
    const user = newUser();
    const before = await scrapeMetrics(api.baseUrl);
    const t = await api.call(user, 'POST', '/tasks', { title: 'counted' });
    await api.call(user, 'PATCH', `/tasks/${t.body.id}`, { title: 'counted twice' });
    await raw(user, 'GET', '/tasks');
    const res = await fetch(`${api.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE outbox_rows_written_total counter');
    expect(text).not.toContain(t.body.id);
    expect(text).not.toContain(user);

    const after = await scrapeMetrics(api.baseUrl);
    const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(delta('outbox_rows_written_total{event_type="TaskCreated"}')).toBe(1);
    expect(delta('outbox_rows_written_total{event_type="TaskUpdated"}')).toBe(1);
    expect(delta('http_requests_total{method="POST",route="/api/:userId/tasks",status="201"}')).toBe(1);
    expect(delta('http_requests_total{method="PATCH",route="/api/:userId/tasks/:taskId",status="200"}')).toBe(1);
    expect(delta('http_requests_total{method="GET",route="unmatched",status="401"}')).toBe(1);
  });
});
