import { parseRecurrencePattern } from '../../lib/recurrence.js';
import { dueOccurrences } from './due-occurrences.js';

const at = (s: string) => new Date(s);
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('dueOccurrences', () => {
  const daily = parseRecurrencePattern('daily');
  const anchor = at('2026-01-01T09:00:00.000Z');

  it('returns every due occurrence, inclusive of from and until, when within the cap', () => {
    const r = dueOccurrences(daily, anchor, at('2026-01-02T09:00:00Z'), at('2026-01-05T09:00:00Z'), 10);
    expect(iso(r.due)).toEqual([
      '2026-01-02T09:00:00.000Z',
      '2026-01-03T09:00:00.000Z',
      '2026-01-04T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
    ]);
    expect(r.skippedOlder).toBe(false);
  });

  it('keeps the most recent `cap` occurrences and reports that older ones were skipped', () => {
    const r = dueOccurrences(daily, anchor, at('2026-01-02T09:00:00Z'), at('2026-01-20T10:00:00Z'), 3);
    expect(iso(r.due)).toEqual(['2026-01-18T09:00:00.000Z', '2026-01-19T09:00:00.000Z', '2026-01-20T09:00:00.000Z']);
    expect(r.skippedOlder).toBe(true);
  });

  it('reports no skipping when exactly `cap` are due', () => {
    const r = dueOccurrences(daily, anchor, at('2026-01-02T09:00:00Z'), at('2026-01-04T10:00:00Z'), 3);
    expect(r.due).toHaveLength(3);
    expect(r.skippedOlder).toBe(false);
  });

  it('stays cheap for a per-minute cron after a month of downtime', () => {
    const r = dueOccurrences(
      parseRecurrencePattern('cron:* * * * *'),
      anchor,
      at('2026-01-01T09:00:00Z'),
      at('2026-02-01T09:00:00Z'),
      10,
    );
    expect(r.due).toHaveLength(10);
    expect(r.due.at(-1)!.toISOString()).toBe('2026-02-01T09:00:00.000Z');
    expect(r.skippedOlder).toBe(true);
  });

  it('finds sparse occurrences far back (monthly) and nothing before the anchor', () => {
    const monthly = parseRecurrencePattern('monthly:15');
    const r = dueOccurrences(
      monthly,
      at('2026-03-01T08:00:00Z'),
      at('2025-01-01T00:00:00Z'),
      at('2026-06-20T00:00:00Z'),
      10,
    );
    expect(iso(r.due)).toEqual([
      '2026-03-15T08:00:00.000Z',
      '2026-04-15T08:00:00.000Z',
      '2026-05-15T08:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
    ]);
    expect(r.skippedOlder).toBe(false);
  });
});
