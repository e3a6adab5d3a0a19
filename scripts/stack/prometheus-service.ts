/**
 * The stack's Prometheus: Debian's `prometheus` package (binary, `promtool` and the web UI), scraping
 * every service of the product and of the stack on loopback, with the alert rules the Helm chart
 * ships. A machine without it gets it the way the stack gets its other parts: as root, `apt-get
 * install` (the package's own system service is kept from starting: this server is the stack's);
 * otherwise one line says what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONSUMER_METRICS_PORTS, PORT, PROMETHEUS_BIN, read, RELAY_METRICS_PORT } from '../../lib/config/settings.js';
import { CONSUMER_GROUPS } from '../../lib/topics.js';
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

/** Path of `prometheus` or `promtool`: in PROMETHEUS_BIN's folder, or on the PATH. */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string | undefined {
  const dir = read(PROMETHEUS_BIN);
  if (dir) return path.join(dir, name);
  return onPath(name);
}

const INSTALL_HINT =
  "Prometheus not found: install Debian's package (apt-get install prometheus) or set PROMETHEUS_BIN to the folder of prometheus and promtool";

/**
 * Installs Debian's package when the machine has no Prometheus and we are root. A `policy-rc.d`
 * that denies every action keeps the package's init script from starting a second server on :9090
 * (the usual way to install services in a container); it is removed afterwards.
 */
export function fetchPrometheus(log: (m: string) => void): void {
  if (prometheusBinary('prometheus') && prometheusBinary('promtool')) return;
  if (process.getuid?.() !== 0) throw new Error(INSTALL_HINT);
  log("installing Debian's prometheus package (first run only)…");
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
        env,
        encoding: 'utf8',
      });
    let res = install();
    if (res.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      res = install();
    }
    if (res.error || res.status !== 0)
      throw new Error(`${INSTALL_HINT} (apt-get: ${(res.stderr ?? '').trim().split('\n').pop()})`);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  if (!prometheusBinary('prometheus')) throw new Error(INSTALL_HINT);
}

interface ScrapeJob {
  job: string;
  targets: number[];
  path?: string;
}

/** Every scrape target, following the ports in use (the same variables the services read). */
function scrapeJobs(cfg: StackConfig): ScrapeJob[] {
  return [
    { job: 'api', targets: [read(PORT)] },
    { job: 'relay', targets: [read(RELAY_METRICS_PORT)] },
    { job: 'consumers', targets: CONSUMER_GROUPS.map((g) => CONSUMER_METRICS_PORTS[g]) },
    { job: 'kafka', targets: cfg.kafkaNodes.map((n) => n.metricsPort) },
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
      const bin = prometheusBinary('prometheus');
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
