/**
 * Project rules for workloads: every container has probes on health endpoints (long-running ones),
 * requests and limits, and a non-root, read-only, capability-free security context; Jobs are
 * bounded; no Secret carries data and no secret travels as a literal env value; every workload has
 * a PodDisruptionBudget, NetworkPolicies for ingress and egress, and is scraped by Prometheus.
 * Exemptions are explicit: a pod-template annotation naming the reason.
 */
import { finding, subjectOf, type Finding, type K8sObject } from './model.js';

/** Pod-template annotations that exempt a workload from one rule; the value says why. */
export const EXEMPT_WRITABLE_ROOT = 'k8s-check.todo/writable-root-filesystem';
export const EXEMPT_NO_METRICS = 'k8s-check.todo/no-metrics';

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const LIVENESS_PATHS = ['/healthz', '/livez', '/health/live'];
const READINESS_PATHS = ['/readyz', '/health/ready'];
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL|CREDENTIALS)/i;

export interface Workload {
  object: K8sObject;
  podMeta: { labels?: Record<string, string>; annotations?: Record<string, string> };
  pod: any;
}

/** Every object that runs pods, with its pod template. */
export function workloads(objects: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    const template = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet'].includes(o.kind) || !template)
      continue;
    out.push({ object: o, podMeta: template.metadata ?? {}, pod: template.spec ?? {} });
  }
  return out;
}

function checkProbes(w: Workload, c: any, subject: string): Finding[] {
  const out: Finding[] = [];
  const ports = new Set((c.ports ?? []).flatMap((p: any) => [p.name, p.containerPort]));
  for (const [field, paths] of [
    ['livenessProbe', LIVENESS_PATHS],
    ['readinessProbe', READINESS_PATHS],
  ] as const) {
    const probe = c[field];
    if (!probe) {
      out.push(finding('probes', subject, `no ${field}`));
      continue;
    }
    const get = probe.httpGet;
    if (get && !ports.has(get.port))
      out.push(finding('probes', subject, `${field} targets port ${get.port}, which the container does not declare`));
    if (get && !paths.includes(get.path))
      out.push(finding('probes', subject, `${field} checks ${get.path}, not a health endpoint (${paths.join(', ')})`));
  }
  return out;
}

function checkResources(c: any, subject: string): Finding[] {
  const missing: string[] = [];
  for (const kind of ['requests', 'limits']) {
    for (const r of ['cpu', 'memory']) if (c.resources?.[kind]?.[r] === undefined) missing.push(`${kind}.${r}`);
  }
  return missing.length ? [finding('resources', subject, `resources without ${missing.join(', ')}`)] : [];
}

function checkSecurity(w: Workload, c: any, subject: string): Finding[] {
  const pod = w.pod.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const problems: string[] = [];
  if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push('runAsUser is 0 (root)');
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (sc.privileged === true) problems.push('privileged');
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities do not drop ALL');
  if ((sc.capabilities?.add ?? []).length > 0) problems.push(`capabilities add ${sc.capabilities.add.join(', ')}`);
  const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    problems.push(`seccompProfile is ${seccomp ?? 'unset'}, not RuntimeDefault`);
  if (sc.readOnlyRootFilesystem !== true && !w.podMeta.annotations?.[EXEMPT_WRITABLE_ROOT]) {
    problems.push(
      `root filesystem is writable (set readOnlyRootFilesystem, or annotate the pod ${EXEMPT_WRITABLE_ROOT}: <why>)`,
    );
  }
  return problems.map((p) => finding('security', subject, p));
}

function checkEnv(c: any, subject: string): Finding[] {
  const out: Finding[] = [];
  for (const e of c.env ?? []) {
    if (SECRET_NAME.test(e.name) && e.value !== undefined)
      out.push(
        finding(
          'secret-data',
          subject,
          `env ${e.name} has a literal value: take it from a Secret (valueFrom.secretKeyRef)`,
        ),
      );
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && (!ref.name || !ref.key))
      out.push(finding('secret-data', subject, `env ${e.name} names no Secret or key`));
  }
  return out;
}

/** Containers: probes, resources, security context, image tag, env. */
export function checkContainers(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  for (const w of workloads(objects)) {
    const owner = subjectOf(w.object);
    if (w.pod.hostNetwork || w.pod.hostPID || w.pod.hostIPC)
      out.push(finding('security', owner, 'shares the host network, PID or IPC namespace'));
    if (['Job', 'CronJob'].includes(w.object.kind)) {
      const spec = w.object.kind === 'Job' ? w.object.spec : w.object.spec?.jobTemplate?.spec;
      if (spec?.backoffLimit === undefined || spec?.activeDeadlineSeconds === undefined) {
        out.push(
          finding(
            'job-bounds',
            owner,
            'a Job needs backoffLimit and activeDeadlineSeconds (it has no probes to stop it)',
          ),
        );
      }
    }
    const all = [
      ...(w.pod.initContainers ?? []).map((c: any) => ({ c, init: true })),
      ...(w.pod.containers ?? []).map((c: any) => ({ c, init: false })),
    ];
    for (const { c, init } of all) {
      const subject = `${owner} container ${c.name}`;
      if (LONG_RUNNING.has(w.object.kind) && !init) out.push(...checkProbes(w, c, subject));
      out.push(...checkResources(c, subject), ...checkSecurity(w, c, subject), ...checkEnv(c, subject));
      const image = String(c.image ?? '');
      const tag = image.includes('@') ? 'digest' : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
      if (!tag || tag === 'latest') out.push(finding('image', subject, `image "${image}" has no fixed tag`));
    }
  }
  return out;
}

/** Secrets are made by operators and referenced by name: a chart never carries secret data. */
export function checkSecrets(objects: K8sObject[]): Finding[] {
  return objects
    .filter(
      (o) =>
        o.kind === 'Secret' && (Object.keys(o.data ?? {}).length > 0 || Object.keys(o.stringData ?? {}).length > 0),
    )
    .map((o) =>
      finding(
        'secret-data',
        subjectOf(o),
        'the chart carries secret data: reference an existing Secret by name instead',
      ),
    );
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
export function selects(selector: any, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && has && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Every long-running workload has a PodDisruptionBudget, and Prometheus scrapes it. */
export function checkAvailabilityAndMetrics(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const w of workloads(objects).filter((x) => LONG_RUNNING.has(x.object.kind))) {
    if (!pdbs.some((p) => selects(p.spec?.selector, w.podMeta.labels)))
      out.push(finding('pdb', subjectOf(w.object), 'no PodDisruptionBudget selects its pods'));
    const a = w.podMeta.annotations ?? {};
    if (a[EXEMPT_NO_METRICS]) continue;
    const ports = (w.pod.containers ?? []).flatMap((c: any) =>
      (c.ports ?? []).map((p: any) => String(p.containerPort)),
    );
    if (a['prometheus.io/scrape'] !== 'true')
      out.push(
        finding(
          'metrics',
          subjectOf(w.object),
          `pods are not annotated prometheus.io/scrape (or ${EXEMPT_NO_METRICS}: <why>)`,
        ),
      );
    else if (!ports.includes(a['prometheus.io/port'] ?? ''))
      out.push(
        finding(
          'metrics',
          subjectOf(w.object),
          `prometheus.io/port ${a['prometheus.io/port']} is not a container port`,
        ),
      );
  }
  return out;
}

/**
 * Every workload's pods are isolated both ways: some NetworkPolicy of type Ingress selects them
 * (so only what a policy allows reaches them) and some of type Egress.
 */
export function checkNetworkPolicies(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const types = (p: K8sObject): string[] => p.spec?.policyTypes ?? ['Ingress'];
  for (const w of workloads(objects)) {
    const mine = policies.filter((p) => selects(p.spec?.podSelector, w.podMeta.labels));
    if (!mine.some((p) => types(p).includes('Ingress')))
      out.push(
        finding(
          'network-policy',
          subjectOf(w.object),
          'accepts ingress from anywhere: no Ingress NetworkPolicy selects its pods',
        ),
      );
    if (!mine.some((p) => types(p).includes('Egress')))
      out.push(finding('network-policy', subjectOf(w.object), 'no egress NetworkPolicy selects its pods'));
  }
  return out;
}
