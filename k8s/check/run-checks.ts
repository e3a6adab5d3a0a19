/**
 * From rendered objects to findings: Helm's lint verdict, the Kubernetes API schemas (built-in
 * kinds: checked on the Java side; custom resources: k8s/crds/), then the project's rules that
 * apply to the chart the job rendered.
 */
import type { CrdIndex } from './crds.js';
import { finding, subjectOf, type ChartKind, type Finding, type K8sObject, type RenderResult } from './model.js';
import { checkBackbone, checkConnector } from './policy-chart.js';
import { checkConfigMapTopics, checkConsumers, checkKafkaCluster, checkTopics } from './policy-kafka.js';
import {
  checkAvailabilityAndMetrics,
  checkContainers,
  checkNetworkPolicies,
  checkSecrets,
} from './policy-workloads.js';
import { heartbeatTopic } from '../../debezium/connector.js';

/** The Java side renames Helm's hook annotation so hooks render; the name is restored here. */
const HOOK_STAND_IN = 'k8s-check.todo/hook';

export function restoreHooks(o: K8sObject): K8sObject {
  const a = o.metadata?.annotations;
  if (a && HOOK_STAND_IN in a) {
    a['helm.sh/hook'] = a[HOOK_STAND_IN]!;
    delete a[HOOK_STAND_IN];
  }
  return o;
}

/** Topics outside lib/topics.ts that a chart may declare: the Debezium heartbeat (debezium/register.ts). */
function extraTopics() {
  return { [heartbeatTopic()]: { partitions: 1, config: { 'retention.ms': String(60 * 60 * 1000) } } };
}

/** The project rules for one chart's objects. */
export function projectRules(kind: ChartKind, objects: K8sObject[]): Finding[] {
  const common = [
    ...checkContainers(objects),
    ...checkSecrets(objects),
    ...checkAvailabilityAndMetrics(objects),
    ...checkNetworkPolicies(objects),
  ];
  if (kind === 'backbone')
    return [...common, ...checkBackbone(objects), ...checkConsumers(objects), ...checkConfigMapTopics(objects)];
  if (kind === 'platform')
    return [
      ...common,
      ...checkTopics(objects, extraTopics()),
      ...checkKafkaCluster(objects),
      ...checkConnector(objects),
    ];
  return common;
}

export interface JobReport {
  objects: number;
  coreValidated: number;
  crdValidated: number;
  findings: Finding[];
}

export function checkJob(kind: ChartKind, result: RenderResult, crds: CrdIndex): JobReport {
  const findings: Finding[] = [];
  const report: JobReport = { objects: 0, coreValidated: 0, crdValidated: 0, findings };
  for (const m of result.lint?.messages ?? []) {
    if (!m.startsWith('[INFO]')) findings.push(finding('lint', 'helm lint', m));
  }
  if (result.lint?.failed && !findings.some((f) => f.code === 'lint'))
    findings.push(finding('lint', 'helm lint', 'failed'));
  if (result.error) {
    findings.push(finding('render', 'helm template', result.error));
    return report;
  }
  const objects = (result.objects ?? []).map((r) => ({ ...r, object: restoreHooks(r.object) }));
  report.objects = objects.length;
  for (const r of objects) {
    if (r.coreSchema === 'custom') {
      report.crdValidated++;
      findings.push(...crds.validate(r.object));
    } else if (r.coreSchema === 'ok') {
      report.coreValidated++;
    } else {
      // The models append the whole offending JSON to their message: the subject names it already.
      const message = r.coreSchema.replace(/\s*JSON: [\s\S]*$/, '');
      findings.push(
        finding(
          'schema',
          subjectOf(r.object),
          `${message} (${r.object.apiVersion} schema of the Kubernetes API, ${r.source})`,
        ),
      );
    }
  }
  findings.push(
    ...projectRules(
      kind,
      objects.map((r) => r.object),
    ),
  );
  return report;
}
