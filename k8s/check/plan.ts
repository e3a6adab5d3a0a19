/**
 * What `npm run k8s:check` renders: each chart with its defaults and its production values (and
 * the variants that switch templates on: the Debezium relay, the connector resource), plus the
 * fixtures that must fail, each with the kinds of finding it has to produce.
 */
import path from 'node:path';
import type { RenderJob } from './model.js';

/** The Kubernetes version Helm renders for (the chart asks for >=1.29; the models are 1.36's). */
export const KUBE_VERSION = '1.34.0';
const NAMESPACE = 'todo';

export function renderJobs(root: string): RenderJob[] {
  const backbone = path.join(root, 'k8s', 'charts', 'todo-backbone');
  const platform = path.join(root, 'k8s', 'charts', 'todo-platform');
  const fixtures = path.join(root, 'k8s', 'check', 'fixtures');
  const b = (id: string, valuesFiles: string[], set: Record<string, string> = {}): RenderJob => ({
    id: `backbone/${id}`,
    chartKind: 'backbone',
    chart: backbone,
    release: 'todo-backbone',
    namespace: NAMESPACE,
    valuesFiles,
    set,
    lint: true,
  });
  const p = (id: string, valuesFiles: string[], set: Record<string, string> = {}): RenderJob => ({
    id: `platform/${id}`,
    chartKind: 'platform',
    chart: platform,
    release: 'todo-platform',
    namespace: NAMESPACE,
    valuesFiles,
    set,
    lint: true,
  });
  const bProd = path.join(backbone, 'values-production.yaml');
  const pProd = path.join(platform, 'values-production.yaml');
  return [
    b('default', []),
    b('production', [bProd]),
    b('production-debezium', [bProd], { relay: 'debezium' }),
    b('drop-connector', [], { 'debezium.dropConnector': 'true' }),
    p('default', []),
    p('production', [pProd]),
    p('production-connector', [pProd], { 'outboxConnector.enabled': 'true' }),
    // Fixtures: each must trip every check listed (proof that the checks bite).
    {
      ...b('bad-values', [path.join(fixtures, 'bad-values.yaml')]),
      id: 'fixture/bad-values',
      lint: false,
      expectCodes: ['security', 'resources', 'max-replicas', 'autoscaling', 'topics', 'pdb'],
    },
    {
      ...p('bad-platform', [path.join(fixtures, 'bad-platform-values.yaml')]),
      id: 'fixture/bad-platform',
      lint: false,
      expectCodes: ['topics', 'kafka', 'connector'],
    },
    {
      id: 'fixture/bad-chart',
      chartKind: 'fixture',
      chart: path.join(fixtures, 'bad-chart'),
      release: 'bad',
      namespace: NAMESPACE,
      valuesFiles: [],
      set: {},
      lint: false,
      expectCodes: [
        'probes',
        'secret-data',
        'schema',
        'image',
        'network-policy',
        'metrics',
        'job-bounds',
        'security',
        'resources',
      ],
    },
  ];
}
