/**
 * Checks of the files no cluster renders: the images (no Docker here to build them, so at least
 * every file they copy and every entry point they start must exist) and the Grafana dashboard
 * (valid JSON whose queries name only metrics the code defines, and all the ones it must show).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONSUMER_GROUPS, TOPICS } from '../../lib/topics.js';
import { finding, type Finding } from './model.js';
import { CONSUMED_TOPICS } from '../../lib/topics.js';

/** The metrics the dashboard must chart (the list). */
export const DASHBOARD_METRICS = [
  'consumer_lag',
  'relay_backlog_rows',
  'relay_publish_latency_seconds',
  'consumer_end_to_end_seconds',
  'consumer_events_dead_lettered_total',
  'relay_dead_lettered_total',
  'http_request_duration_seconds',
];

/** Sources of `COPY` lines that read the build context (not `--from=` another stage). */
export function copySources(dockerfile: string): string[] {
  const out: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const m = /^\s*COPY\s+(.*)$/i.exec(line);
    if (!m || /--from=/.test(m[1]!)) continue;
    const words = m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('--'));
    out.push(...words.slice(0, -1));
  }
  return out;
}

export function checkImages(root: string): Finding[] {
  const out: Finding[] = [];
  const dir = path.join(root, 'k8s', 'images');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.Dockerfile'))) {
    const file = `k8s/images/${name}`;
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const src of copySources(text)) {
      if (!existsSync(path.join(root, src)))
        out.push(finding('images', file, `COPY ${src}: no such file in the repository`));
    }
    const ignore = path.join(dir, `${name}.dockerignore`);
    if (existsSync(ignore)) {
      const allowed = readFileSync(ignore, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('!'))
        .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
      for (const src of copySources(text)) {
        if (!allowed.some((a) => src === a || src.startsWith(`${a}/`)))
          out.push(finding('images', file, `COPY ${src}: excluded by ${name}.dockerignore`));
      }
    }
  }
  const entry = readFileSync(path.join(dir, 'app-entrypoint.sh'), 'utf8');
  for (const m of entry.matchAll(/(?:tsx|node --import tsx) ([\w./-]+\.ts)/g)) {
    if (!existsSync(path.join(root, m[1]!)))
      out.push(finding('images', 'k8s/images/app-entrypoint.sh', `starts ${m[1]}, which does not exist`));
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Metric names defined with prom-client (`name: '...'`) anywhere in the services and lib. */
export function definedMetrics(root: string): Set<string> {
  const names = new Set<string>();
  for (const d of ['api', 'relay', 'consumers', 'lib']) {
    for (const f of sourceFiles(path.join(root, d))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/name:\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]!);
    }
  }
  return names;
}

/** The names the JMX exporter rules give Kafka's and Connect's metrics, `$n` as any word. */
function jmxExporterNames(root: string): RegExp[] {
  const rules = readFileSync(path.join(root, 'k8s/charts/todo-platform/files/jmx-exporter-rules.yaml'), 'utf8');
  return [...rules.matchAll(/^\s+name:\s*(\S+)/gm)].map(
    (m) => new RegExp(`^${m[1]!.toLowerCase().replace(/\$\d/g, '[a-z0-9_]+')}$`),
  );
}

export function checkDashboard(root: string): Finding[] {
  const file = 'k8s/monitoring/dashboard.json';
  let dash: any;
  try {
    dash = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
  } catch (err) {
    return [finding('dashboard', file, `not valid JSON: ${(err as Error).message}`)];
  }
  const exprs: string[] = [];
  const walk = (v: any) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'expr') exprs.push(String(x));
        else walk(x);
      }
  };
  walk(dash.panels);
  const used = new Set<string>();
  for (const e of exprs) {
    for (const m of e.matchAll(/\b([a-z_]+_(?:total|seconds(?:_bucket|_sum|_count)?|rows|lag|active))\b/g))
      used.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  const defined = definedMetrics(root);
  const jmx = jmxExporterNames(root);
  const out: Finding[] = [];
  for (const m of used)
    if (!defined.has(m) && !jmx.some((re) => re.test(m)))
      out.push(finding('dashboard', file, `queries ${m}, which no service defines`));
  for (const m of DASHBOARD_METRICS) if (!used.has(m)) out.push(finding('dashboard', file, `does not chart ${m}`));
  return out;
}

/**
 * CONSUMED_TOPICS (the bound of each group's replicas) against the handlers themselves: the
 * `topics: [TOPICS.x, ...]` of the handler under consumers/<group without -cg>/.
 */
export function checkConsumedTopics(root: string): Finding[] {
  const out: Finding[] = [];
  const byKey = TOPICS as Record<string, string>;
  for (const group of CONSUMER_GROUPS) {
    const dir = path.join(root, 'consumers', group.replace(/-cg$/, ''));
    const declared = existsSync(dir)
      ? sourceFiles(dir).flatMap((f) =>
          [...readFileSync(f, 'utf8').matchAll(/topics:\s*\[([^\]]*)\]/g)].map((m) => m[1]!),
        )
      : [];
    if (declared.length !== 1) {
      out.push(
        finding(
          'consumers',
          `consumers/${path.basename(dir)}`,
          `expected one \`topics: [...]\` in the handler of ${group}, found ${declared.length}`,
        ),
      );
      continue;
    }
    const topics = [...declared[0]!.matchAll(/TOPICS\.(\w+)/g)].map((m) => byKey[m[1]!]).sort();
    if (JSON.stringify(topics) !== JSON.stringify([...CONSUMED_TOPICS[group]].sort())) {
      out.push(
        finding(
          'consumers',
          `consumers/${path.basename(dir)}`,
          `${group} subscribes to [${topics.join(', ')}]; lib/topics.ts CONSUMED_TOPICS says [${CONSUMED_TOPICS[group].join(', ')}]`,
        ),
      );
    }
  }
  return out;
}
