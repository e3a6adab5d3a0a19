/** The shapes the checker passes around: rendered objects, render jobs, findings. */

/** A Kubernetes object as rendered (JSON from the Java side). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One rendered object with where it came from and what the Kubernetes models said of it. */
export interface Rendered {
  /** The template it came from, e.g. `todo-backbone/templates/api.yaml`. */
  source: string;
  object: K8sObject;
  /** "ok", "custom" (a custom resource: validated against k8s/crds), or the models' error. */
  coreSchema: string;
}

/** Which chart a job renders decides which project checks apply. */
export type ChartKind = 'backbone' | 'platform' | 'fixture';

/** One `helm template` (and lint) run. */
export interface RenderJob {
  id: string;
  chartKind: ChartKind;
  chart: string;
  release: string;
  namespace: string;
  valuesFiles: string[];
  set: Record<string, string>;
  lint: boolean;
  /** Fixture jobs must produce findings with these codes (proof that the checks bite). */
  expectCodes?: string[];
}

export interface RenderResult {
  id: string;
  lint?: { failed: boolean; messages: string[] };
  error?: string;
  objects?: Rendered[];
}

/** A problem the check found; `code` groups findings so the self-test can ask for each kind. */
export interface Finding {
  code: string;
  /** `Kind/name` of the object, or a file. */
  subject: string;
  message: string;
}

export function subjectOf(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

export function finding(code: string, subject: string, message: string): Finding {
  return { code, subject, message };
}
