/**
 * GET|PUT /api/:userId/settings: a person's IANA time zone, default UTC, stored per user, refused
 * with a 400 naming `timeZone` when it is not a zone, and guarded like every /api/:userId route.
 */
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { newUser } from './api-checks.js';

describe('settings', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  test('a new user has UTC; PUT stores a zone (canonical spelling) and GET returns it', async () => {
    const user = newUser();
    expect(await api.call(user, 'GET', '/settings')).toMatchObject({ status: 200, body: { timeZone: 'UTC' } });
    const put = await api.call(user, 'PUT', '/settings', { timeZone: 'europe/berlin' });
    expect(put).toMatchObject({ status: 200, body: { timeZone: 'Europe/Berlin' } });
    expect(Object.keys(put.body)).toEqual(['timeZone']);
    expect((await api.call(user, 'GET', '/settings')).body).toEqual({ timeZone: 'Europe/Berlin' });
    expect((await api.call(user, 'PUT', '/settings', { timeZone: 'Asia/Tokyo' })).body).toEqual({
      timeZone: 'Asia/Tokyo',
    });
    expect((await api.call(user, 'GET', '/settings')).body).toEqual({ timeZone: 'Asia/Tokyo' });
  });

  test.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    [{ timeZone: '' }, 'timeZone'],
    [{ timeZone: 42 }, 'timeZone'],
    [{}, 'timeZone'],
    [{ timeZone: 'UTC', colour: 'blue' }, 'colour'],
  ])('PUT %j answers 400 naming %s and changes nothing', async (body, field) => {
    const user = newUser();
    await api.call(user, 'PUT', '/settings', { timeZone: 'America/New_York' });
    const r = await api.call(user, 'PUT', '/settings', body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await api.call(user, 'GET', '/settings')).body).toEqual({ timeZone: 'America/New_York' });
  });

  test("one user can neither read nor change another's settings; no token is a 401", async () => {
    const alice = newUser();
    const bob = newUser();
    await api.call(alice, 'PUT', '/settings', { timeZone: 'Asia/Tokyo' });
    const token = await api.token(bob);
    for (const method of ['GET', 'PUT']) {
      const r = await fetch(`${api.baseUrl}/api/${alice}/settings`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: method === 'PUT' ? JSON.stringify({ timeZone: 'UTC' }) : undefined,
      });
      expect(r.status).toBe(404);
      const anonymous = await fetch(`${api.baseUrl}/api/${alice}/settings`, { method });
      expect(anonymous.status).toBe(401);
    }
    expect((await api.call(alice, 'GET', '/settings')).body).toEqual({ timeZone: 'Asia/Tokyo' });
  });
});
