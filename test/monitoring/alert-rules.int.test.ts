/**
 * The alert rules are valid and behave as their unit tests say (`promtool test rules`): each alert
 * fires on its input series and stays quiet on the others. promtool comes with the stack's
 * Prometheus (scripts/stack/prometheus-service.ts), which `npm test` brings up.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ALERT_RULES_FILE, prometheusBinary } from '../../scripts/stack/prometheus-service.js';
import { stackConfig } from '../../scripts/stack/stack-config.js';

const cfg = stackConfig();

function promtool(args: string[]): { status: number | null; output: string } {
  const bin = prometheusBinary('promtool');
  if (!bin) throw new Error('promtool not found: `npm run stack:up` fetches Prometheus');
  const res = spawnSync(bin, args, { cwd: cfg.repoRoot, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('alert rules', () => {
  it('are valid Prometheus rules', () => {
    const res = promtool(['check', 'rules', path.join(cfg.repoRoot, ...ALERT_RULES_FILE)]);
    expect(res).toMatchObject({ status: 0 });
    expect(res.output).toMatch(/SUCCESS: 10 rules found/);
  });

  it('fire when they should and stay quiet when they should not (promtool test rules)', () => {
    const res = promtool(['test', 'rules', 'k8s/monitoring/alert-rules.test.yaml']);
    expect({ status: res.status, output: res.output }).toMatchObject({ status: 0 });
    expect(res.output).toMatch(/SUCCESS/);
  });
});
