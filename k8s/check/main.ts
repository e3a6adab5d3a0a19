/**
 * `npm run k8s:check`: lints and renders the charts with Helm's own code (helm-java, fetched by
 * Maven into .stack/k8s-check), validates every rendered object against the Kubernetes API
 * schemas of its kind and version (built-in kinds: the Kubernetes OpenAPI models; custom
 * resources: the CRDs under k8s/crds/), applies the project's rules, checks the images and the
 * dashboard, then renders the fixtures under k8s/check/fixtures/ and fails unless each trips the
 * checks it is meant to (so a check that stopped biting is caught too).
 *
 *   tsx k8s/check/main.ts            everything; exit 1 on any finding
 *   tsx k8s/check/main.ts --only ID  only the jobs whose id contains ID (e.g. fixture/bad-chart)
 *   tsx k8s/check/main.ts --json F   also write every job's findings to F
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrdIndex, crdFiles } from './crds.js';
import type { Finding, RenderResult } from './model.js';
import { KUBE_VERSION, renderJobs } from './plan.js';
import { checkAclFile } from './kafka-acls-file.js';
import { checkConsumedTopics, checkDashboard, checkImages } from './policy-files.js';
import { checkJob, type JobReport } from './run-checks.js';
import { ensureToolchain, runRender } from './toolchain.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Summary {
  failures: string[];
  reports: Record<string, { expectCodes?: string[]; report: JobReport }>;
}

function hashFiles(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

function printFindings(findings: Finding[], indent = '      '): void {
  for (const f of findings) console.log(`${indent}[${f.code}] ${f.subject}: ${f.message}`);
}

export function runCheck(args: string[]): Summary {
  const started = Date.now();
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const jobs = renderJobs(ROOT).filter((j) => !only || j.id.includes(only));
  const summary: Summary = { failures: [], reports: {} };
  const tc = ensureToolchain(ROOT, (m) => console.log(`[k8s:check] ${m}`));
  // Parsing the CRDs (half a megabyte of YAML) is the slowest part of a warm run: cache the JSON.
  const work = path.join(ROOT, '.stack', 'k8s-check', 'work');
  const files = crdFiles(path.join(ROOT, 'k8s', 'crds'));
  const cacheFile = path.join(work, `crds-${hashFiles(files)}.json`);
  const cached = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, unknown>)
    : undefined;
  const out = runRender<{ jobs: RenderResult[]; crds: Record<string, unknown> }>(
    tc,
    { kubeVersion: KUBE_VERSION, jobs, crdFiles: cached ? [] : files },
    work,
  );
  if (!cached) writeFileSync(cacheFile, JSON.stringify(out.crds));
  const crds = new CrdIndex(cached ?? out.crds);
  console.log(
    `k8s:check: Helm lint + template (helm-java), Kubernetes API models (client-java-api), ${crds.size} CRD schemas (k8s/crds)`,
  );
  for (const job of jobs) {
    const result = out.jobs.find((r) => r.id === job.id) ?? { id: job.id, error: 'not rendered' };
    const report = checkJob(job.chartKind, result, crds);
    summary.reports[job.id] = { expectCodes: job.expectCodes, report };
    const counts = `${report.objects} objects (${report.coreValidated} Kubernetes schema, ${report.crdValidated} CRD schema)`;
    if (job.expectCodes) {
      const seen = new Set(report.findings.map((f) => f.code));
      const missed = job.expectCodes.filter((c) => !seen.has(c));
      const mark = missed.length ? '✗' : '✓';
      console.log(
        `  ${mark} ${job.id.padEnd(32)} must fail: trips ${job.expectCodes.length - missed.length}/${job.expectCodes.length} checks (${report.findings.length} findings)`,
      );
      for (const c of missed) summary.failures.push(`${job.id}: the "${c}" check did not bite`);
      for (const c of missed) console.log(`      the "${c}" check did not bite`);
    } else {
      console.log(
        `  ${report.findings.length ? '✗' : '✓'} ${job.id.padEnd(32)} ${counts}${report.findings.length ? `, ${report.findings.length} problems` : ''}`,
      );
      printFindings(report.findings);
      summary.failures.push(...report.findings.map((f) => `${job.id}: [${f.code}] ${f.subject}: ${f.message}`));
    }
  }
  if (!only) {
    const files = [...checkImages(ROOT), ...checkDashboard(ROOT), ...checkConsumedTopics(ROOT), ...checkAclFile(ROOT)];
    console.log(
      `  ${files.length ? '✗' : '✓'} ${'files'.padEnd(32)} images (COPY sources, entry points), dashboard (metrics), consumer topics (handlers), Kafka ACLs (lib)`,
    );
    printFindings(files);
    summary.failures.push(...files.map((f) => `files: [${f.code}] ${f.subject}: ${f.message}`));
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    summary.failures.length
      ? `k8s:check: FAILED, ${summary.failures.length} problem(s) (${secs} s)`
      : `k8s:check: OK (${secs} s)`,
  );
  return summary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const args = process.argv.slice(2);
    const summary = runCheck(args);
    if (args.includes('--json')) writeFileSync(args[args.indexOf('--json') + 1]!, JSON.stringify(summary, null, 2));
    process.exit(summary.failures.length ? 1 : 0);
  } catch (err) {
    console.error(`k8s:check: ${(err as Error).message}`);
    process.exit(2);
  }
}
