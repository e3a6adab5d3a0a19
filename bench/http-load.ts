/**
 * A small HTTP load generator on keep-alive sockets (no dependency to install). Two modes:
 * closed loop (N clients, each sends its next request when the previous answered: measures
 * capacity) and open loop (requests scheduled on a clock at a fixed rate, latency counted from
 * the scheduled time, so a stalled server is charged for the requests it delayed rather than
 * the generator quietly sending fewer — no coordinated omission).
 *
 * It speaks HTTP/1.1 on plain sockets rather than through node:http: the generator shares the
 * machine's cores with the API and PostgreSQL, and node:http's client cost about as much CPU per
 * request as a third of the API's own work, which the API then did not get.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  /** Requests answered with 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  elapsedS: number;
  /** Latencies of the 2xx answers, in milliseconds. */
  latenciesMs: number[];
  /** Open loop only: the most requests that were waiting for an answer at once. */
  maxInFlight?: number;
  /** Open loop only: answers 503 (the API's admission control refusing), counted in non2xx too. */
  shed?: number;
  /** Open loop only: latencies of the 503 answers, in milliseconds. */
  shedLatenciesMs?: number[];
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time; answers must have a Content-Length. */
class Connection {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (status: number) => void; reject: (err: Error) => void };
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error) => {
      this.closed = true;
      this.waiting?.reject(err);
      this.waiting = undefined;
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }

  send(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    const end = this.received.indexOf(HEADER_END);
    if (end < 0 || !this.waiting) return;
    const head = this.received.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.waiting.reject(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
      this.waiting = undefined;
      this.socket.destroy();
      return;
    }
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.received.length < total) return;
    this.received = this.received.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(status);
  }

  close(): void {
    this.socket.destroy();
  }
}

export class HttpTarget {
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly queued: ((c: Connection) => void)[] = [];

  constructor(
    readonly port: number,
    private readonly maxSockets: number,
  ) {}

  /** POSTs the request; resolves with the status code. */
  async send(req: RequestSpec): Promise<number> {
    const body = Buffer.from(req.body);
    let head = `POST ${req.path} HTTP/1.1\r\nhost: 127.0.0.1:${this.port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n`;
    for (const [k, v] of Object.entries(req.headers)) head += `${k}: ${v}\r\n`;
    const request = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
    const c = await this.acquire();
    try {
      return await c.send(request);
    } finally {
      this.release(c);
    }
  }

  private connect(): Connection {
    const c = new Connection(this.port);
    this.all.add(c);
    return c;
  }

  private acquire(): Promise<Connection> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.closed) return Promise.resolve(c);
      this.all.delete(c);
    }
    if (this.all.size < this.maxSockets) return Promise.resolve(this.connect());
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private release(c: Connection): void {
    if (c.closed) this.all.delete(c);
    const next = this.queued.shift();
    // A closed connection's slot goes to a new one.
    if (next) next(c.closed ? this.connect() : c);
    else if (!c.closed) this.idle.push(c);
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
  }
}

/** `clients` loops, each sending `next(client)` back to back until `durationMs` has passed. */
export async function closedLoop(
  target: HttpTarget,
  clients: number,
  durationMs: number,
  next: (client: number) => RequestSpec,
): Promise<LoadResult> {
  const out: LoadResult = { ok: 0, non2xx: 0, errors: 0, elapsedS: 0, latenciesMs: [] };
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (client: number) => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const status = await target.send(next(client));
        if (status >= 200 && status < 300) {
          out.ok++;
          out.latenciesMs.push(performance.now() - t);
        } else out.non2xx++;
      } catch {
        out.errors++;
        // A refused connection fails instantly: do not spin.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  // The last requests end after the deadline; count the time they took.
  out.elapsedS = (performance.now() - start) / 1000;
  return out;
}

/** Sends `ratePerS` requests a second for `durationMs`, each timed from when it was due. */
export async function openLoop(
  target: HttpTarget,
  ratePerS: number,
  durationMs: number,
  next: (i: number) => RequestSpec,
): Promise<LoadResult> {
  const out: LoadResult = {
    ok: 0,
    non2xx: 0,
    errors: 0,
    elapsedS: 0,
    latenciesMs: [],
    maxInFlight: 0,
    shed: 0,
    shedLatenciesMs: [],
  };
  const total = Math.round((ratePerS * durationMs) / 1000);
  const interval = 1000 / ratePerS;
  const start = performance.now() + 5;
  let sent = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    // Timers fire late under load; each tick sends everything that has come due since the last.
    const timer = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        const req = next(sent);
        sent++;
        inFlight++;
        out.maxInFlight = Math.max(out.maxInFlight ?? 0, inFlight);
        pending.push(
          target
            .send(req)
            .then(
              (status) => {
                if (status >= 200 && status < 300) {
                  out.ok++;
                  out.latenciesMs.push(performance.now() - due);
                } else {
                  out.non2xx++;
                  if (status === 503) {
                    out.shed!++;
                    out.shedLatenciesMs!.push(performance.now() - due);
                  }
                }
              },
              () => {
                out.errors++;
              },
            )
            .finally(() => {
              inFlight--;
            }),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  out.elapsedS = (performance.now() - start) / 1000;
  return out;
}
