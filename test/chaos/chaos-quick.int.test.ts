/**
 * `npm run chaos -- --quick` as CI runs it: every kind of fault is injected at least once while
 * the workload runs, and the run proves no loss, no reordering, no doubled side effect and nothing
 * dead-lettered but the deliberate poison record. The run restarts whatever it killed, so the
 * shared stack is ready again afterwards (checked here too).
 */
import { spawnSync } from 'node:child_process';
import { faultKinds } from '../../chaos/fault-injector.js';
import { stackStatus } from '../../scripts/stack/stack.js';

describe('chaos run (--quick)', () => {
  it(
    'survives every kind of fault with nothing lost, reordered, doubled or dead-lettered',
    async () => {
      const relay = process.env.RELAY === 'debezium' ? 'debezium' : 'ts';
      const run = spawnSync('npm', ['run', '-s', 'chaos', '--', '--quick', '--relay', relay], {
        encoding: 'utf8',
        timeout: 20 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const lines = run.stdout.trim().split('\n');
      const context = `exit ${run.status}\n${run.stdout}\n--- stderr (tail) ---\n${run.stderr.split('\n').slice(-40).join('\n')}`;
      let report: Record<string, any>;
      try {
        report = JSON.parse(lines[lines.length - 1] ?? '');
      } catch {
        throw new Error(`the last stdout line is not the JSON summary\n${context}`);
      }
      expect({ status: run.status, violations: report.violations }).toEqual({ status: 0, violations: [] });
      expect(report).toMatchObject({
        ok: true,
        lost: 0,
        outOfOrder: 0,
        doubled: 0,
        deadLettered: 0,
        missingSideEffects: 0,
        quiesced: true,
      });
      expect(report.eventsWritten).toBeGreaterThan(0);
      expect(report.notifications.distinct).toBeGreaterThan(0);
      expect(report.poison.deadLetteredBy).toBe(report.poison.expected);
      expect(faultKinds(relay).filter((k) => !(report.faults[k] >= 1))).toEqual([]);
      const notReady = (await stackStatus()).filter((s) => !s.ready).map((s) => s.name);
      expect(notReady).toEqual([]);
    },
    25 * 60_000,
  );
});
