/**
 * A Server-Sent Events response: headers, the `retry` hint, heartbeat comments that keep proxies and
 * idle timers from closing a quiet stream, and an end for clients that read too slowly (more than
 * a megabyte waiting: they reconnect and catch up instead of being buffered without bound).
 */
import type { Request, Response } from 'express';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface EventStream {
  /** One frame; `data` is JSON-encoded, so it fits on one `data:` line. */
  send(id: string, event: string, data: unknown): void;
  /** Ends the response (the client reconnects). */
  end(): void;
  /** Runs once when the stream ends, whoever ends it. */
  onClose(fn: () => void): void;
}

export function openEventStream(req: Request, res: Response, heartbeatMs: number): EventStream {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write('retry: 3000\n: connected\n\n');

  let closed = false;
  const closers: (() => void)[] = [];
  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) end();
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
  function cleanup() {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const fn of closers) fn();
  }
  function end() {
    cleanup();
    res.end();
  }
  res.on('close', cleanup);
  req.on('error', cleanup);
  return {
    send: (id, event, data) => write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    end,
    onClose: (fn) => (closed ? fn() : closers.push(fn)),
  };
}
