/** The checker's rules on hand-made objects: what passes, and that each rule names what breaks it. */
import { connectorConfig, defaultNames } from '../../debezium/connector.js';
import { TOPICS, topicSpecs } from '../../lib/topics.js';
import type { K8sObject } from './model.js';
import { checkConnector } from './policy-chart.js';
import { copySources } from './policy-files.js';
import { checkConsumers, checkTopics, replicaBound } from './policy-kafka.js';
import { checkContainers, checkSecrets } from './policy-workloads.js';
import { validateSchema } from './structural-schema.js';

const codes = (fs: { code: string }[]) => [...new Set(fs.map((f) => f.code))].sort();

function deployment(
  name: string,
  container: Record<string, unknown>,
  podExtra: Record<string, unknown> = {},
): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container], ...podExtra } },
    },
  };
}

const goodContainer = {
  name: 'c',
  image: 'registry.example.com/app:1.0',
  ports: [{ name: 'http', containerPort: 3000 }],
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
  readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
  resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

describe('structural schema', () => {
  const schema = {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        properties: {
          partitions: { type: 'integer', minimum: 1 },
          port: { 'x-kubernetes-int-or-string': true },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };

  it('accepts a valid object, and preserves unknown fields only where the schema says so', () => {
    expect(validateSchema(schema, { spec: { partitions: 3, port: 'http', config: { anything: 1 } } })).toEqual([]);
  });

  it('names unknown fields, wrong types, bounds and missing required fields', () => {
    const errors = validateSchema(schema, { spec: { partitions: 0, port: true, partitionz: 3 } });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.partitions: 0 is below the minimum 1'),
        expect.stringContaining('spec.port: must be an integer or a string'),
        expect.stringContaining('spec.partitionz: unknown field'),
      ]),
    );
    expect(validateSchema(schema, {})).toEqual(['(root): required field "spec" is missing']);
  });
});

describe('workload rules', () => {
  it('passes a container with probes, resources and a locked-down security context', () => {
    expect(checkContainers([deployment('ok', goodContainer)])).toEqual([]);
  });

  it('reports missing probes, limits, root, and literal secrets', () => {
    const bad = {
      ...goodContainer,
      livenessProbe: undefined,
      resources: { requests: { cpu: '1m', memory: '1Mi' } },
      env: [{ name: 'JWT_SECRET', value: 'x' }],
    };
    const findings = checkContainers([
      deployment('bad', bad, { securityContext: { runAsUser: 0 } }),
      deployment('root', { ...goodContainer, securityContext: { ...goodContainer.securityContext, runAsUser: 0 } }),
    ]);
    expect(codes(findings)).toEqual(['probes', 'resources', 'secret-data', 'security']);
    expect(findings.map((f) => f.subject)).toContain('Deployment/root container c');
  });

  it('reports a Secret that carries data', () => {
    expect(
      checkSecrets([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'v' } }]),
    ).toHaveLength(1);
  });
});

describe('consumers and partitions', () => {
  it('bounds each group by the smallest partition count of the topics it reads', () => {
    expect(replicaBound('audit-log-cg')).toBe(3);
    expect(replicaBound('task-broadcaster-cg')).toBe(6);
  });

  it('reports a ScaledObject allowed past the bound', () => {
    const d = deployment('audit', { ...goodContainer, args: ['consumer', 'audit-log-cg'] });
    const so = (max: number): K8sObject => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'audit' },
      spec: {
        scaleTargetRef: { name: 'audit' },
        minReplicaCount: 1,
        maxReplicaCount: max,
        triggers: [
          ...[TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast].map((topic) => ({
            type: 'kafka',
            metadata: { topic, consumerGroup: 'audit-log-cg' },
          })),
          { type: 'cpu', metadata: { value: '75' } },
        ],
      },
    });
    const forAudit = (max: number) => checkConsumers([d, so(max)]).filter((f) => f.code !== 'consumers');
    expect(forAudit(3)).toEqual([]);
    expect(forAudit(6)).toEqual([expect.objectContaining({ code: 'max-replicas', subject: 'ScaledObject/audit' })]);
  });
});

describe('topics against lib/topics.ts', () => {
  const topics = (): K8sObject[] =>
    topicSpecs().map((s) => ({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaTopic',
      metadata: { name: s.name.replace(/_/g, '-') },
      spec: {
        topicName: s.name,
        partitions: s.partitions,
        replicas: 3,
        config: { 'cleanup.policy': 'delete', 'retention.ms': s.retentionMs, ...s.extraConfig },
      },
    }));

  it('accepts the table as it is', () => {
    expect(checkTopics(topics())).toEqual([]);
  });

  it('reports partitions, retention and replication that differ', () => {
    const changed = topics();
    changed[0]!.spec.partitions = 12;
    changed[1]!.spec.config['retention.ms'] = 1;
    changed[2]!.spec.replicas = 1;
    expect(checkTopics(changed).map((f) => f.message)).toEqual([
      expect.stringContaining('partitions 12'),
      expect.stringContaining('config retention.ms is 1'),
      expect.stringContaining('replicas 1'),
    ]);
  });
});

describe('the KafkaConnector mirrors debezium/connector.ts', () => {
  const url = 'postgresql://debezium_outbox@db:5432/todo';
  const names = defaultNames(url);
  const cfg = connectorConfig({
    ...names,
    databaseUrl: url,
    user: 'debezium_outbox',
    password: '${secrets:todo/db:password}',
    heartbeatIntervalMs: 10000,
  });
  const connector = (config: Record<string, string>): K8sObject => {
    const { 'connector.class': cls, 'tasks.max': tasks, ...rest } = config;
    return {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaConnector',
      metadata: { name: names.connectorName },
      spec: { class: cls, tasksMax: Number(tasks), config: rest },
    };
  };

  it('passes the same options', () => {
    expect(checkConnector([connector(cfg)])).toEqual([]);
  });

  it('reports a changed option and a literal password', () => {
    const f = checkConnector([connector({ ...cfg, 'plugin.name': 'decoderbufs', 'database.password': 'hunter2' })]);
    expect(codes(f)).toEqual(['connector', 'secret-data']);
  });
});

it('reads the sources of COPY lines, not those of other stages', () => {
  expect(copySources('COPY --from=build /app ./app\nCOPY --chmod=0755 a.sh /bin/a\nCOPY x y ./\n')).toEqual([
    'a.sh',
    'x',
    'y',
  ]);
});
