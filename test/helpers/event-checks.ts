/** Checks over records collected from Kafka: nothing missing, per-key versions strictly increasing. */
import type { CollectedRecord } from './kafka.js';
import type { WrittenRow } from './outbox-writer.js';

export function missingEvents(written: WrittenRow[], records: CollectedRecord[]): WrittenRow[] {
  const seen = new Set(records.map((r) => r.headers['event-id']));
  return written.filter((w) => !seen.has(w.eventId));
}

/**
 * Keys whose versions go backwards in Kafka. Redelivered duplicates (a version seen again after a
 * crash) are allowed; a version lower than one already seen that is not a duplicate is not.
 */
export function orderViolations(records: CollectedRecord[], keys: Set<string>): string[] {
  const bad: string[] = [];
  const byKey = new Map<string, { max: number; seen: Set<string> }>();
  const sorted = [...records].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const r of sorted) {
    if (!r.key || !keys.has(r.key)) continue;
    const v = Number(r.headers['aggregate-version']);
    const id = r.headers['event-id']!;
    const s = byKey.get(r.key) ?? { max: 0, seen: new Set<string>() };
    if (v <= s.max && !s.seen.has(id)) bad.push(`${r.key}: v${v} after v${s.max}`);
    // After a crash the relay may republish from an earlier version; what matters is that
    // every new event id arrives after its predecessor.
    if (!s.seen.has(id)) s.max = Math.max(s.max, v);
    s.seen.add(id);
    byKey.set(r.key, s);
  }
  return bad;
}
