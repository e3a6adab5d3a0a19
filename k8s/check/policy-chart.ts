/**
 * Rules of the two charts themselves: the app chart's preparation hook, relay choice and default
 * deny; the platform chart's KafkaConnector mirroring the Debezium relay's own connector config.
 */
import { connectorConfig, defaultNames, heartbeatTopic } from '../../debezium/connector.js';
import { finding, subjectOf, type Finding, type K8sObject } from './model.js';
import { selects, workloads } from './policy-workloads.js';

const component = (o: K8sObject): string | undefined =>
  (o.spec?.template?.metadata?.labels ?? o.metadata.labels)?.['app.kubernetes.io/component'];
const hookOf = (o: K8sObject): string[] =>
  (o.metadata.annotations?.['helm.sh/hook'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The app chart: prepare hook, one relay, and an explicit default-deny ingress policy over all its pods. */
export function checkBackbone(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const jobs = objects.filter((o) => o.kind === 'Job');
  const prepare = jobs.find((j) => j.spec?.template?.spec?.containers?.[0]?.args?.[0] === 'prepare');
  if (!prepare) out.push(finding('hook', 'Job prepare', 'no Job runs `prepare` (migrations, topics, schemas)'));
  else if (!['pre-install', 'pre-upgrade'].every((h) => hookOf(prepare).includes(h))) {
    out.push(
      finding(
        'hook',
        subjectOf(prepare),
        `helm.sh/hook is "${hookOf(prepare).join(',')}", must include pre-install and pre-upgrade`,
      ),
    );
  }
  const relays = objects.filter((o) => o.kind === 'Deployment' && component(o) === 'relay');
  const register = jobs.filter(
    (j) => j.spec?.template?.spec?.containers?.[0]?.args?.join(' ') === 'relay-debezium register',
  );
  if (relays.length && register.length)
    out.push(
      finding(
        'relay',
        subjectOf(relays[0]!),
        'both the TypeScript relay and the Debezium registration are rendered: pick one',
      ),
    );
  const registeredElsewhere = objects.some((o) => o.kind === 'Deployment' && component(o) === 'debezium-janitor');
  if (!relays.length && !register.length && !registeredElsewhere)
    out.push(
      finding('relay', 'relay', 'no relay: neither the relay Deployment nor the Debezium registration and janitor'),
    );
  for (const r of relays) {
    if ((r.spec?.replicas ?? 1) < 2)
      out.push(
        finding(
          'relay',
          subjectOf(r),
          `${r.spec?.replicas ?? 1} replica(s): the relay runs active + standby, at least 2`,
        ),
      );
  }
  for (const j of register) {
    if (!hookOf(j).includes('post-install') || !hookOf(j).includes('post-upgrade'))
      out.push(
        finding(
          'hook',
          subjectOf(j),
          'the registration must run after install and upgrade (post-install,post-upgrade)',
        ),
      );
  }
  const denyAll = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      (o.spec?.policyTypes ?? []).includes('Ingress') &&
      (o.spec?.ingress ?? []).length === 0,
  );
  for (const w of workloads(objects)) {
    if (!denyAll.some((p) => selects(p.spec?.podSelector, w.podMeta.labels)))
      out.push(finding('network-policy', subjectOf(w.object), 'not under the default-deny ingress NetworkPolicy'));
  }
  return out;
}

/**
 * A KafkaConnector for the outbox carries exactly connectorConfig()'s options for the database it
 * names, under the names the janitor and registration derive (defaultNames), with the password
 * taken from a Secret through a config provider.
 */
export function checkConnector(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  for (const o of objects.filter((x) => x.kind === 'KafkaConnector')) {
    const cfg: Record<string, string> = Object.fromEntries(
      Object.entries(o.spec?.config ?? {}).map(([k, v]) => [k, String(v)]),
    );
    const url = `postgresql://${cfg['database.user']}@${cfg['database.hostname']}:${cfg['database.port']}/${cfg['database.dbname']}`;
    const names = defaultNames(url);
    const subject = subjectOf(o);
    if (o.metadata.name !== names.connectorName)
      out.push(
        finding(
          'connector',
          subject,
          `named ${o.metadata.name}, the registration and janitor use ${names.connectorName}`,
        ),
      );
    const expected = connectorConfig({
      ...names,
      databaseUrl: url,
      user: cfg['database.user'] ?? '',
      password: cfg['database.password'] ?? '',
      heartbeatIntervalMs: Number(cfg['heartbeat.interval.ms']),
      heartbeatTopic: heartbeatTopic(),
    });
    if (o.spec?.class !== expected['connector.class'])
      out.push(finding('connector', subject, `class ${o.spec?.class}, expected ${expected['connector.class']}`));
    if (String(o.spec?.tasksMax) !== expected['tasks.max'])
      out.push(finding('connector', subject, `tasksMax ${o.spec?.tasksMax}, expected ${expected['tasks.max']}`));
    if (!/^\$\{secrets:[^}]+\}$/.test(cfg['database.password'] ?? ''))
      out.push(
        finding('secret-data', subject, 'database.password must be a ${secrets:<namespace>/<secret>:<key>} reference'),
      );
    const skip = new Set(['connector.class', 'tasks.max', 'database.password']);
    for (const [k, v] of Object.entries(expected)) {
      if (!skip.has(k) && cfg[k] !== v)
        out.push(
          finding(
            'connector',
            subject,
            `${k} is ${cfg[k] === undefined ? 'missing' : JSON.stringify(cfg[k])}, debezium/connector.ts sets ${JSON.stringify(v)}`,
          ),
        );
    }
    for (const k of Object.keys(cfg))
      if (!(k in expected)) out.push(finding('connector', subject, `${k} is not set by debezium/connector.ts`));
  }
  return out;
}
