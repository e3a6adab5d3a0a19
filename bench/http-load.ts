/**
 * A small HTTP load generator on keep-alive sockets (no dependency to install). Two modes:
 * closed loop (N clients, each sends its next request when the previous answered: measures
 * capacity) and open loop (requests scheduled on a clock at a fixed rate, latency counted from
 * the scheduled time, so a stalled server is charged for the requests it delayed rather than
 * the generator quietly sending fewer — no coordinated omission).
 */
import http from 'node:http';
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
}

export class HttpTarget {
  private readonly agent: http.Agent;

  constructor(readonly port: number, maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  send(req: RequestSpec): Promise<number> {
    return new Promise((resolve, reject) => {
      const r = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: req.path,
          agent: this.agent,
          headers: { ...req.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `clients` loops, each sending `next(client)` back to back until `durationMs` has passed. */
export async function closedLoop(target: HttpTarget, clients: number, durationMs: number, next: (client: number) => RequestSpec): Promise<LoadResult> {
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
export async function openLoop(target: HttpTarget, ratePerS: number, durationMs: number, next: (i: number) => RequestSpec): Promise<LoadResult> {
  const out: LoadResult = { ok: 0, non2xx: 0, errors: 0, elapsedS: 0, latenciesMs: [], maxInFlight: 0 };
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
          target.send(req).then(
            (status) => {
              if (status >= 200 && status < 300) {
                out.ok++;
                out.latenciesMs.push(performance.now() - due);
              } else out.non2xx++;
            },
            () => {
              out.errors++;
            },
          ).finally(() => {
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
