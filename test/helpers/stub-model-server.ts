/**
 * A stand-in for an OpenAI-compatible chat-completions server (the model is not one of our
 * infrastructure parts): it answers each request with the next queued reply and, before
 * answering, runs the test's probe (e.g. a look at pg_stat_activity while the model "thinks").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One tool call the stub model answers with. */
export interface StubToolCall {
  name: string;
  args: unknown;
}

export interface StubModelServer {
  /** The base URL to give LlmInterpreter (`/chat/completions` is appended). */
  baseUrl: string;
  /** Queues the reply to the next request: tool calls, or plain text when empty. */
  reply(calls: StubToolCall[], text?: string): void;
  /** Runs before each answer; what it returns is kept in `probes`. */
  probe: (() => Promise<unknown>) | undefined;
  readonly probes: unknown[];
  /** Requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startStubModelServer(opts: { delayMs?: number } = {}): Promise<StubModelServer> {
  const queued: { calls: StubToolCall[]; text: string }[] = [];
  const stub: Omit<StubModelServer, 'baseUrl' | 'close'> & { requests: number; probes: unknown[] } = {
    probe: undefined,
    probes: [],
    requests: 0,
    reply: (calls, text = '') => queued.push({ calls, text }),
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      for await (const _chunk of req);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
      if (stub.probe) stub.probes.push(await stub.probe());
      const next = queued.shift() ?? { calls: [], text: 'stub model: nothing queued' };
      stub.requests++;
      const message = {
        role: 'assistant',
        content: next.calls.length ? null : next.text,
        ...(next.calls.length && {
          tool_calls: next.calls.map((c, i) => ({
            id: `call_${i}`,
            type: 'function',
            function: { name: c.name, arguments: JSON.stringify(c.args) },
          })),
        }),
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'stub', object: 'chat.completion', choices: [{ index: 0, message }] }));
    })().catch((err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
