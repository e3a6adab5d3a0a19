/**
 * Every query of the Grafana dashboard returns data from a running product: the API, the relay and
 * the five consumers run as `npm start` runs them (metrics on their default ports, which the stack's
 * Prometheus scrapes), a short workload goes through the API, and each panel's query is asked of
 * the local Prometheus. An empty result or a query error fails. Panels under the Debezium row chart
 * what only exists while Debezium is the relay (its streaming metrics, its replication slot) and
 * are left out here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signToken } from '../../api/http/auth.js';
import { connectionConfig } from '../../lib/env.js';
import { createKafka } from '../../lib/kafka/kafka-client.js';
import { CONSUMER_GROUPS, TOPICS } from '../../lib/topics.js';
import { endOffsets, seedGroup } from '../../chaos/kafka-range.js';
import { ProductServices } from '../../chaos/product-services.js';
import { prometheusUrl } from '../../scripts/stack/prometheus-service.js';
import { stackConfig } from '../../scripts/stack/stack-config.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';

const cfg = stackConfig();
const API = 'http://127.0.0.1:3000';
const METRICS_PORTS = [3000, 9464, 9470, 9471, 9472, 9473, 9474];

interface Panel {
  title?: string;
  type: string;
  targets?: { expr: string }[];
}

/** The dashboard's queries, grouped by the row they sit under, with Grafana's variables filled in. */
function dashboardQueries(): { title: string; expr: string; row: string }[] {
  const dash = JSON.parse(readFileSync(path.join(cfg.repoRoot, 'k8s/monitoring/dashboard.json'), 'utf8')) as {
    panels: Panel[];
  };
  let row = '';
  const out: { title: string; expr: string; row: string }[] = [];
  for (const p of dash.panels) {
    if (p.type === 'row') row = p.title ?? '';
    for (const t of p.targets ?? [])
      out.push({
        title: p.title ?? '',
        row,
        expr: t.expr.replace(/\$namespace/g, '.*').replace(/\$__rate_interval/g, '1m'),
      });
  }
  return out;
}

async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const res = await fetch(`${prometheusUrl(cfg)}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

async function untilUp(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await Promise.all(
      METRICS_PORTS.map((p) =>
        fetch(`http://127.0.0.1:${p}/metrics`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`metrics ports not answering: ${METRICS_PORTS.filter((_, i) => !up[i])}`);
    await sleep(500);
  }
}

describe('the Grafana dashboard against the local Prometheus', () => {
  let db: TestDatabase;
  let services: ProductServices;
  const jwtSecret = randomBytes(24).toString('hex');
  const runId = randomUUID().slice(0, 8);

  beforeAll(async () => {
    db = await createTestDatabase();
    const kafka = createKafka({
      brokers: connectionConfig().kafkaBrokers,
      clientId: 'dashboard-test',
      principal: 'admin',
      quiet: true,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topics = Object.values(TOPICS);
    const offsets = await endOffsets(admin, topics);
    // New groups start at today's end of each topic, not at every other test's events.
    for (const g of CONSUMER_GROUPS) await seedGroup(kafka, admin, `${g}-dashboard-${runId}`, offsets, topics);
    await admin.disconnect();
    services = ProductServices.forRun({
      repoRoot: cfg.repoRoot,
      logDir: path.join(cfg.logDir, 'dashboard-test'),
      databaseUrl: db.url,
      apiPort: 3000,
      jwtSecret,
      notifyUrl: 'http://127.0.0.1:9/unused',
      groupIdOf: (g) => `${g}-dashboard-${runId}`,
      relay: 'ts',
      defaultMetricsPorts: true,
    });
    services.startAll();
    await untilUp(120_000);
  }, 180_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  it('returns data for every panel after a short workload', async () => {
    const user = `dash-${runId}`;
    const auth = { authorization: `Bearer ${await signToken(jwtSecret, user)}`, 'content-type': 'application/json' };
    const due = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${API}/api/${user}/tasks`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ title: `dashboard task ${i}`, dueDate: due, tags: ['dash'] }),
      });
      expect(res.status).toBe(201);
      if (i % 4 === 0) {
        const { id } = (await res.json()) as { id: string };
        expect((await fetch(`${API}/api/${user}/tasks/${id}/complete`, { method: 'POST', headers: auth })).status).toBe(
          200,
        );
      }
    }
    expect((await fetch(`${API}/api/${user}/tasks?limit=5`, { headers: auth })).status).toBe(200);

    // Two scrapes (5 s apart) after the work, so rates and increases have samples to compare.
    const queries = dashboardQueries().filter((q) => !q.row.startsWith('Debezium'));
    expect(queries.length).toBeGreaterThanOrEqual(25);
    const deadline = Date.now() + 60_000;
    let failures: string[] = [];
    do {
      await sleep(5_000);
      failures = [];
      for (const q of queries) {
        const r = await query(q.expr);
        if (r.status !== 'success') failures.push(`${q.title}: ${q.expr} → error ${r.error}`);
        else if ((r.data?.result ?? []).length === 0) failures.push(`${q.title}: ${q.expr} → no data`);
      }
    } while (failures.length > 0 && Date.now() < deadline);
    expect(failures).toEqual([]);
  });
});
