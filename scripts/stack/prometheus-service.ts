/**
 * The stack's Prometheus: Debian's `prometheus` package (binary and `promtool`), scraping every
 * service of the product and of the stack on loopback, with the alert rules the Helm chart ships.
 * When the machine has no `prometheus` on its PATH, the package is downloaded with `apt-get download`
 * and unpacked into the stack folder (no service is installed or started system-wide); `apt-get
 * update` is run first as root when the package lists do not know it yet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONSUMER_GROUPS } from '../../lib/topics.js';
import { DEFAULT_METRICS_PORTS } from '../../consumers/config.js';
import { runningPid, startDetached, stopProcess, killProcess } from './processes.js';
import type { StackConfig } from './stack-config.js';
import type { StackService } from './stack-service.js';

/** The alert rules, shipped by the Helm chart as a PrometheusRule and loaded here as a rule file. */
export const ALERT_RULES_FILE = ['k8s', 'charts', 'todo-backbone', 'files', 'alert-rules.yaml'];

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function unpackedDir(cfg: StackConfig): string {
  return path.join(cfg.dir, 'prometheus', 'dist');
}

/** Path of `prometheus` or `promtool`: PROMETHEUS_BIN's folder, the PATH, or the unpacked package. */
export function prometheusBinary(cfg: StackConfig, name: 'prometheus' | 'promtool'): string | undefined {
  if (process.env.PROMETHEUS_BIN) return path.join(process.env.PROMETHEUS_BIN, name);
  const unpacked = path.join(unpackedDir(cfg), 'usr', 'bin', name);
  return onPath(name) ?? (existsSync(unpacked) ? unpacked : undefined);
}

const INSTALL_HINT =
  "Prometheus not found: install Debian's package (apt-get install prometheus) or set PROMETHEUS_BIN to the folder of prometheus and promtool";

/** Makes `prometheus` and `promtool` available, unpacking Debian's package into the stack folder. */
export function fetchPrometheus(cfg: StackConfig, log: (m: string) => void): void {
  if (prometheusBinary(cfg, 'prometheus') && prometheusBinary(cfg, 'promtool')) return;
  log("fetching Prometheus (Debian's package, first run only)…");
  const dist = unpackedDir(cfg);
  const debs = path.join(cfg.dir, 'prometheus', 'deb');
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  const download = () => spawnSync('apt-get', ['download', 'prometheus'], { cwd: debs, encoding: 'utf8' });
  let res = download();
  if (res.status !== 0 && process.getuid?.() === 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    res = download();
  }
  const deb = readdirSync(debs).find((f) => f.endsWith('.deb'));
  if (res.error || res.status !== 0 || !deb)
    throw new Error(`${INSTALL_HINT} (apt-get download: ${res.stderr?.trim()})`);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  execFileSync('dpkg-deb', ['-x', path.join(debs, deb), dist]);
  rmSync(debs, { recursive: true, force: true });
  if (!prometheusBinary(cfg, 'prometheus')) throw new Error(INSTALL_HINT);
}

interface ScrapeJob {
  job: string;
  targets: number[];
  path?: string;
}

/** Every scrape target, following the ports in use (the same variables the services read). */
function scrapeJobs(cfg: StackConfig): ScrapeJob[] {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  return [
    { job: 'api', targets: [env('PORT', 3000)] },
    { job: 'relay', targets: [env('RELAY_METRICS_PORT', 9464)] },
    { job: 'consumers', targets: CONSUMER_GROUPS.map((g) => DEFAULT_METRICS_PORTS[g]) },
    { job: 'kafka', targets: [cfg.kafkaMetricsPort] },
    { job: 'connect', targets: [cfg.connectMetricsPort] },
    { job: 'registry', targets: [cfg.registryManagementPort] },
    { job: 'prometheus', targets: [cfg.prometheusPort] },
  ];
}

function writeConfig(cfg: StackConfig): string {
  const dir = path.join(cfg.dir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'prometheus.yml');
  const jobs = scrapeJobs(cfg)
    .map(
      (j) =>
        `  - job_name: ${j.job}\n    metrics_path: ${j.path ?? '/metrics'}\n    static_configs:\n` +
        `      - targets: [${j.targets.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
    )
    .join('\n');
  writeFileSync(
    file,
    [
      '# Written by scripts/stack/prometheus-service.ts at each start; edits are lost.',
      'global:',
      '  scrape_interval: 5s',
      '  evaluation_interval: 5s',
      'rule_files:',
      `  - ${path.join(cfg.repoRoot, ...ALERT_RULES_FILE)}`,
      'scrape_configs:',
      jobs,
      '',
    ].join('\n'),
  );
  return file;
}

export function prometheusUrl(cfg: StackConfig): string {
  return `http://127.0.0.1:${cfg.prometheusPort}`;
}

export function prometheusService(cfg: StackConfig): StackService {
  const pidFile = path.join(cfg.runDir, 'prometheus.pid');
  const logFile = path.join(cfg.logDir, 'prometheus.log');
  return {
    name: 'prometheus',
    logFile,
    async isReady() {
      return (await fetch(`${prometheusUrl(cfg)}/-/ready`)).ok;
    },
    isRunning: () => runningPid(pidFile) !== undefined,
    async start() {
      const bin = prometheusBinary(cfg, 'prometheus');
      if (!bin) throw new Error(INSTALL_HINT);
      const dataDir = path.join(cfg.dir, 'prometheus', 'data');
      mkdirSync(dataDir, { recursive: true });
      startDetached({
        command: bin,
        args: [
          `--config.file=${writeConfig(cfg)}`,
          `--storage.tsdb.path=${dataDir}`,
          '--storage.tsdb.retention.time=2d',
          `--web.listen-address=127.0.0.1:${cfg.prometheusPort}`,
          '--web.enable-lifecycle',
        ],
        cwd: cfg.dir,
        logFile,
        pidFile,
      });
    },
    stop: () => stopProcess(pidFile),
    async kill() {
      killProcess(pidFile);
    },
  };
}
