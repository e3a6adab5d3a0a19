import { readFileSync } from 'node:fs';
import { TABLE_END, TABLE_START, settingsTable, withSettingsTable } from './settings-table.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe("the README's table of settings", () => {
  it('is the one the catalogue generates (else: npm run settings:table)', () => {
    expect(withSettingsTable(readme)).toBe(readme);
  });

  it('is replaced between the markers only', () => {
    const doc = `before\n${TABLE_START}\nold\n${TABLE_END}\nafter\n`;
    expect(withSettingsTable(doc, 'new')).toBe(`before\n${TABLE_START}\nnew\n${TABLE_END}\nafter\n`);
    expect(() => withSettingsTable('no markers', 'new')).toThrow(/markers/);
  });

  it('shows kinds, minimums, secrecy and defaults', () => {
    const table = settingsTable();
    expect(table).toContain(
      '| `RELAY_BATCH_SIZE` | int ≥ 1 | 2000 | relay | outbox rows read and published per round |',
    );
    expect(table).toMatch(/\| `JWT_SECRET` \| string, secret \| unset: /);
    expect(table).toMatch(/\| `STACK_PG_PORT` \| port ≥ 1 \| 5433 \|/);
  });
});
