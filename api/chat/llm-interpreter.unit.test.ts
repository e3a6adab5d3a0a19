import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interpreterFromConfig } from './interpreter-from-config.js';
import { isRetriable } from '../../lib/errors.js';
import { LlmInterpreter, LlmPermanentError, LlmRetriableError } from './llm-interpreter.js';
import { RuleInterpreter } from './rule-interpreter.js';

const NOW = new Date('2026-11-25T10:00:00Z');

interface Seen {
  url?: string;
  auth?: string;
  body: Record<string, any>;
}
type Reply = (res: ServerResponse) => void;

// A real HTTP server, so the request actually crosses the network stack the way production does.
let server: Server;
let baseUrl: string;
let reply: Reply;
let seen: Seen[] = [];

const json =
  (status: number, body: unknown): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
const completion = (message: Record<string, unknown>) =>
  json(200, {
    id: 'x',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', ...message } }],
  });
const toolCall = (name: string, args: unknown, id = 'call_1') => ({
  id,
  type: 'function',
  function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
});

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ url: req.url, auth: req.headers.authorization, body: raw ? JSON.parse(raw) : {} });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  reply = completion({ content: 'hi' });
});

const llm = (extra: Partial<ConstructorParameters<typeof LlmInterpreter>[0]> = {}) =>
  new LlmInterpreter({ baseUrl: `${baseUrl}/`, apiKey: 'sk-test', model: 'test-model', ...extra });

describe('LlmInterpreter', () => {
  test('sends the tools and the clock, and maps tool calls to ToolCalls', async () => {
    reply = completion({
      content: null,
      tool_calls: [
        toolCall('add_task', {
          title: 'buy milk',
          dueDate: '2026-11-26T17:00:00Z',
          priority: 'High',
          tags: ['errands'],
        }),
        toolCall('set_reminder', { task: 'buy milk', remindAt: '2026-11-26T16:00:00' }, 'call_2'),
      ],
    });
    const result = await llm().interpret('add buy milk tomorrow at 5pm, high priority, #errands and remind me at 4', {
      now: NOW,
    });

    expect(result).toEqual({
      kind: 'tools',
      calls: [
        {
          tool: 'add_task',
          args: { title: 'buy milk', dueDate: '2026-11-26T17:00:00.000Z', priority: 'High', tags: ['errands'] },
        },
        { tool: 'set_reminder', args: { task: 'buy milk', remindAt: '2026-11-26T16:00:00.000Z' } },
      ],
    });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req!.url).toBe('/v1/chat/completions');
    expect(req!.auth).toBe('Bearer sk-test');
    expect(req!.body.model).toBe('test-model');
    expect(req!.body.messages[0].role).toBe('system');
    expect(req!.body.messages[0].content).toContain('2026-11-25T10:00:00.000Z');
    expect(req!.body.messages[1]).toEqual({
      role: 'user',
      content: 'add buy milk tomorrow at 5pm, high priority, #errands and remind me at 4',
    });
    expect(req!.body.tools.map((t: any) => t.function.name)).toEqual([
      'add_task',
      'list_tasks',
      'complete_task',
      'delete_task',
      'update_task',
      'set_reminder',
    ]);
    const add = req!.body.tools[0].function.parameters;
    expect(add).toMatchObject({ type: 'object', required: ['title'] });
    expect(Object.keys(add.properties)).toEqual([
      'title',
      'description',
      'dueDate',
      'dueDay',
      'dueTime',
      'dueShift',
      'reminderLeadMinutes',
      'priority',
      'tags',
      'isRecurringTemplate',
      'recurrencePattern',
    ]);
  });

  test("the system prompt carries the user's zone and local now", async () => {
    reply = completion({ content: 'ok' });
    await llm().interpret('what is due tomorrow?', { now: NOW, timeZone: 'Asia/Tokyo' });
    const prompt: string = seen.at(-1)!.body.messages[0].content;
    expect(prompt).toContain('Asia/Tokyo');
    expect(prompt).toContain('2026-11-25T19:00:00+09:00');
    expect(prompt).toContain('Wednesday 25 November 2026, 19:00');
    expect(prompt).toContain('2026-11-25T10:00:00.000Z');
  });

  test('a plain text answer becomes unknown with that text', async () => {
    reply = completion({ content: 'I can only help with your tasks.' });
    expect(await llm().interpret('tell me a joke', { now: NOW })).toEqual({
      kind: 'unknown',
      response: 'I can only help with your tasks.',
    });
  });

  test('drops malformed or invalid tool calls and keeps the valid ones', async () => {
    reply = completion({
      content: null,
      tool_calls: [
        toolCall('add_task', '{"title": "unterminated'),
        toolCall('add_task', { title: '' }),
        toolCall('launch_missiles', { target: 'moon' }),
        toolCall('set_reminder', { task: 'report', remindAt: 'tomorrow' }),
        toolCall('add_task', { title: 'gym', recurrencePattern: 'sometimes' }),
        toolCall('update_task', { task: 'report', changes: {} }),
        toolCall('list_tasks', {
          status: 'pending',
          dueFrom: '2026-11-23T00:00:00Z',
          dueTo: '2026-11-29T23:59:59.999Z',
        }),
        toolCall('complete_task', { task: 'buy milk', confidence: 0.9 }),
      ],
    });
    expect(await llm().interpret("what's due this week and I bought milk", { now: NOW })).toEqual({
      kind: 'tools',
      calls: [
        {
          tool: 'list_tasks',
          args: { status: 'pending', dueFrom: '2026-11-23T00:00:00.000Z', dueTo: '2026-11-29T23:59:59.999Z' },
        },
        { tool: 'complete_task', args: { task: 'buy milk' } },
      ],
    });
  });

  test('only invalid tool calls and no text falls back to a helpful unknown', async () => {
    reply = completion({ content: '', tool_calls: [toolCall('delete_task', 'not json at all')] });
    const result = await llm().interpret('delete it', { now: NOW });
    expect(result.kind).toBe('unknown');
    expect(result.kind === 'unknown' && result.response).toContain('add buy milk tomorrow');
  });

  test('HTTP 500 throws a retriable error', async () => {
    reply = json(500, { error: { message: 'overloaded' } });
    const err = await llm()
      .interpret('add x', { now: NOW })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRetriableError);
    expect((err as Error).constructor.name).toMatch(/Retriable/);
    expect(err).toMatchObject({ name: 'LlmRetriableError', retriable: true, status: 503, upstreamStatus: 500 });
  });

  test('HTTP 429 is retriable, HTTP 401 is not', async () => {
    reply = json(429, { error: { message: 'slow down' } });
    await expect(llm().interpret('add x', { now: NOW })).rejects.toBeInstanceOf(LlmRetriableError);
    reply = json(401, { error: { message: 'bad key' } });
    const err = await llm()
      .interpret('add x', { now: NOW })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmPermanentError);
    expect(isRetriable(err)).toBe(false);
  });

  test('a reply that is not JSON or has no choices is a permanent error', async () => {
    reply = json(200, '<html>oops</html>');
    await expect(llm().interpret('add x', { now: NOW })).rejects.toBeInstanceOf(LlmPermanentError);
    reply = json(200, { choices: [] });
    await expect(llm().interpret('add x', { now: NOW })).rejects.toBeInstanceOf(LlmPermanentError);
  });

  test('a slow server times out as a retriable error', async () => {
    reply = (res) => setTimeout(() => completion({ content: 'late' })(res), 500);
    await expect(llm({ timeoutMs: 50 }).interpret('add x', { now: NOW })).rejects.toBeInstanceOf(LlmRetriableError);
  });

  test('an unreachable server is a retriable error', async () => {
    const down = new LlmInterpreter({ baseUrl: 'http://127.0.0.1:1', apiKey: '', model: 'm', timeoutMs: 2000 });
    await expect(down.interpret('add x', { now: NOW })).rejects.toBeInstanceOf(LlmRetriableError);
  });

  test('an empty message is answered without calling the model', async () => {
    expect((await llm().interpret('   ', { now: NOW })).kind).toBe('unknown');
    expect(seen).toHaveLength(0);
  });

  test('no bearer token is sent without an API key, and fetchImpl is used when given', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    await llm({ apiKey: '', fetchImpl }).interpret('hello', { now: NOW });
    expect(calls).toEqual([`${baseUrl}/chat/completions`]);
    expect(seen[0]!.auth).toBeUndefined();
  });
});

describe('interpreterFromConfig', () => {
  test('rules without an LLM endpoint, LLM with one', async () => {
    expect(interpreterFromConfig({})).toBeInstanceOf(RuleInterpreter);
    expect(interpreterFromConfig({ llmBaseUrl: '  ', llmApiKey: 'k' })).toBeInstanceOf(RuleInterpreter);
    const chosen = interpreterFromConfig({ llmBaseUrl: baseUrl, llmApiKey: 'sk-cfg', llmModel: 'cfg-model' });
    expect(chosen).toBeInstanceOf(LlmInterpreter);
    await chosen.interpret('hello', { now: NOW });
    expect(seen[0]).toMatchObject({ auth: 'Bearer sk-cfg', body: { model: 'cfg-model' } });
  });
});
