/**
 * One user's HTTP client for the chaos workload. Faults make requests fail in transit (API killed,
 * PostgreSQL paused), so a request is retried until it gets an answer: POSTs carry an
 * Idempotency-Key that stays the same across the retries, so a create whose response was lost is
 * not applied twice. PATCH and DELETE have no key; a retried PATCH may apply twice, which is a
 * second committed change with its own event (the checks count committed changes, not requests).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ApiAnswer {
  status: number;
  body: any;
}

export interface RequestStats {
  ok: number;
  clientErrors: number;
  retries: number;
  gaveUp: number;
}

export class ChaosApiClient {
  constructor(
    private readonly baseUrl: string,
    readonly userId: string,
    private readonly token: string,
    private readonly stats: RequestStats,
  ) {}

  /** The answer, or undefined when the API did not answer within the retry budget (~60 s). */
  async call(method: string, path: string, body?: unknown): Promise<ApiAnswer | undefined> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    for (let attempt = 1; attempt <= 120; attempt++) {
      try {
        const res = await fetch(`${this.baseUrl}/api/${this.userId}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        if (res.status >= 400) this.stats.clientErrors++;
        else this.stats.ok++;
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        this.stats.retries++;
        await sleep(500);
      }
    }
    this.stats.gaveUp++;
    return undefined;
  }
}
