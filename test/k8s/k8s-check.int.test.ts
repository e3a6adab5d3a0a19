/**
 * The Kubernetes check bites: `k8s/check/main.ts` renders the fixtures under k8s/check/fixtures/
 * with the real Helm (helm-java) and reports what is wrong with them, naming object and problem.
 * Needs Java 17+ and Maven (the first run fetches helm-java into .stack/k8s-check).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Report {
  failures: string[];
  reports: Record<string, { report: { findings: { code: string; subject: string; message: string }[] } }>;
}

let report: Report;
let exitCode: number | null;
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'k8s-check-'));
  const json = path.join(tmp, 'report.json');
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'k8s/check/main.ts', '--only', 'fixture/', '--json', json],
    { encoding: 'utf8' },
  );
  exitCode = res.status;
  report = JSON.parse(readFileSync(json, 'utf8')) as Report;
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const findings = (job: string) => report.reports[job]!.report.findings;

it('finds every problem the fixtures were made with (and so exits 0: each check bit)', () => {
  expect(report.failures).toEqual([]);
  expect(exitCode).toBe(0);
});

it('reports a consumer allowed more replicas than its topics have partitions', () => {
  expect(findings('fixture/bad-values')).toContainEqual({
    code: 'max-replicas',
    subject: 'ScaledObject/todo-backbone-audit-log-cg',
    message: expect.stringContaining('maxReplicaCount 6 exceeds 3'),
  });
});

it('reports topics that differ from lib/topics.ts', () => {
  const messages = findings('fixture/bad-platform')
    .filter((f) => f.code === 'topics')
    .map((f) => `${f.subject}: ${f.message}`);
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/todo\.tasks\.events.*partitions 12, lib\/topics\.ts says 6/),
      expect.stringMatching(/todo\.reminders\.events.*retention\.ms is 86400000, lib\/topics\.ts says 259200000/),
      expect.stringMatching(/replicas 2, must be 3/),
      expect.stringMatching(/todo\.audit-log-cg\.dlq: missing/),
    ]),
  );
});

it('reports a container without probes, limits or a non-root context, and a Secret with data', () => {
  const bad = findings('fixture/bad-chart').map((f) => `[${f.code}] ${f.subject}: ${f.message}`);
  expect(bad).toEqual(
    expect.arrayContaining([
      '[probes] Deployment/careless container app: no livenessProbe',
      expect.stringMatching(/^\[resources\] Deployment\/careless container app: resources without .*limits\.memory/),
      '[security] Deployment/careless container app: runAsNonRoot is not true',
      '[secret-data] Secret/careless-credentials: the chart carries secret data: reference an existing Secret by name instead',
      expect.stringMatching(/^\[schema\] Deployment\/careless: The field `imagePullPolice`/),
      expect.stringMatching(/^\[schema\] KafkaTopic\/careless: spec\.partitions: must be integer/),
    ]),
  );
});
