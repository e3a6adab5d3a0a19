/** Exponential backoff with full jitter: retry n waits a random time up to base·2^(n-1), capped. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
