/**
 * Slow clients (issue 16): a client that trickles its headers or its body is cut off with 408 once
 * API_HEADERS_TIMEOUT_MS or API_REQUEST_TIMEOUT_MS has passed, its request writes nothing, and
 * /healthz keeps answering while such clients hang on. The API here runs with 1 s and 2 s.
 */
import net from 'node:net';
import { apiConfig } from '../../api/config.js';
import { ConfigError } from '../../lib/config/config-error.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { counts, newUser } from './api-checks.js';

/** What a trickling client saw: all the server sent, and how many of its bytes it got to send. */
interface Trickled {
  response: string;
  sent: number;
}

/**
 * Sends `head` at once, then `rest` one byte every `everyMs`, until everything is sent or the server
 * closes the connection; resolves once the connection is closed. Gives up (rejects) after `giveUpMs`.
 */
function trickle(port: number, head: string, rest: string, everyMs: number, giveUpMs: number): Promise<Trickled> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${giveUpMs} ms; the server has: ${JSON.stringify(response)}`));
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ response, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= rest.length || socket.destroyed || !socket.writable) return clearInterval(timer);
        socket.write(rest[sent]!);
        sent += 1;
      }, everyMs);
    });
  });
}

/** Status line and parsed body of a raw HTTP/1.1 response. */
function parse(raw: string): { status: number; contentType: string | undefined; body: any } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim();
  return { status, contentType, body: body ? JSON.parse(body) : undefined };
}

describe('slow clients', () => {
  let api: TestApi;
  let port: number;

  beforeAll(async () => {
    api = await startTestApi({ httpTimeouts: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
    port = Number(new URL(api.baseUrl).port);
  });
  afterAll(async () => {
    await api?.stop();
  });

  async function slowPost(user: string, body: string): Promise<{ head: string; body: string }> {
    const head =
      `POST /api/${user}/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${await api.token(user)}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return { head, body };
  }

  test('a body sent one byte every 250 ms: 408 problem+json before it is complete, nothing written', async () => {
    const user = newUser();
    const before = await counts(api.database.db);
    // 40 bytes at 4 per second would take 10 s; the request timeout is 2 s.
    const { head, body } = await slowPost(user, JSON.stringify({ title: 'slow'.padEnd(27, '.') }));
    const r = await trickle(port, head, body, 250, 15_000);
    expect(r.sent).toBeLessThan(body.length);
    const answer = parse(r.response);
    expect(answer).toMatchObject({ status: 408, body: { status: 408, type: 'about:blank' } });
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body.title).toMatch(/not received in time/);
    expect(await counts(api.database.db)).toEqual(before);
  });

  test('headers sent one byte every 250 ms: 408, nothing written', async () => {
    const user = newUser();
    const before = await counts(api.database.db);
    const { head, body } = await slowPost(user, JSON.stringify({ title: 'slow headers' }));
    const r = await trickle(port, '', head + body, 250, 15_000);
    expect(r.sent).toBeLessThan(head.length);
    expect(parse(r.response)).toMatchObject({ status: 408, body: { status: 408 } });
    expect(await counts(api.database.db)).toEqual(before);
  });

  test('a connection that sends nothing is closed once the headers timeout has passed', async () => {
    const r = await trickle(port, '', '', 250, 15_000);
    expect(r.sent).toBe(0);
    expect(parse(r.response).status).toBe(408);
  });

  test('/healthz and ordinary requests keep answering while 20 slow clients hang on, and then', async () => {
    const user = newUser();
    const before = await counts(api.database.db);
    const { head, body } = await slowPost(user, JSON.stringify({ title: 'x'.repeat(100) }));
    const slow = Array.from({ length: 20 }, () => trickle(port, head, body, 200, 15_000));
    for (let i = 0; i < 5; i += 1) {
      const health = await fetch(`${api.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      await new Promise((r) => setTimeout(r, 200));
    }
    const ok = await api.call(user, 'POST', '/tasks', { title: 'fast client' });
    expect(ok.status).toBe(201);
    const answers = (await Promise.all(slow)).map((r) => parse(r.response).status);
    expect(answers).toEqual(Array(20).fill(408));
    expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
    const after = await counts(api.database.db);
    expect({ tasks: after.tasks - before.tasks, outbox: after.outbox - before.outbox }).toEqual({
      tasks: 1,
      outbox: 1,
    });
  });

  describe('settings', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const k of ['JWT_SECRET', 'API_HEADERS_TIMEOUT_MS', 'API_REQUEST_TIMEOUT_MS']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });

    test('defaults of 20 s for headers and 30 s for the request; both configurable; headers may not outlast the request', () => {
      process.env.JWT_SECRET = 'a-secret-of-sixteen-or-more';
      delete process.env.API_HEADERS_TIMEOUT_MS;
      delete process.env.API_REQUEST_TIMEOUT_MS;
      expect(apiConfig().httpTimeouts).toEqual({ headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 });
      process.env.API_HEADERS_TIMEOUT_MS = '5000';
      process.env.API_REQUEST_TIMEOUT_MS = '15000';
      expect(apiConfig().httpTimeouts).toEqual({ headersTimeoutMs: 5_000, requestTimeoutMs: 15_000 });
      process.env.API_HEADERS_TIMEOUT_MS = '20000';
      expect(() => apiConfig()).toThrow(ConfigError);
      process.env.API_REQUEST_TIMEOUT_MS = '0';
      expect(() => apiConfig()).toThrow(/API_REQUEST_TIMEOUT_MS/);
    });
  });
});
