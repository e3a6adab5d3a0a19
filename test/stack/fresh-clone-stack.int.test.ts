/**
 * A newcomer's checkout: a fresh copy of this working tree (tracked and new files, no `.stack/`),
 * its own stack on other ports, `stack:up` then `stack:down`, and afterwards no process whose
 * command line or working folder belongs to the copy or to its PostgreSQL cluster folder. The copy
 * shares this checkout's `node_modules` (a symlink) and Maven's cache, so it costs a stack start,
 * not an install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stackConfig } from '../../scripts/stack/stack-config.js';

const repoRoot = stackConfig().repoRoot;

/** Ports of the copy's stack: the running stack of this checkout keeps its own. */
const PORTS = {
  STACK_PG_PORT: '15433',
  KAFKA_PORT: '19092',
  KAFKA_METRICS_PORT: '19404',
  CONNECT_PORT: '18083',
  CONNECT_METRICS_PORT: '19405',
  REGISTRY_PORT: '18081',
  REGISTRY_MANAGEMENT_PORT: '19081',
  PROMETHEUS_PORT: '19090',
};

function freshCopy(): string {
  // mkdtemp makes a 0700 folder the PostgreSQL OS user cannot enter: the case that used to split
  // the cluster between two folders.
  const dir = mkdtempSync(path.join(tmpdir(), 'todo-fresh-clone-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(path.join(repoRoot, f))) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    copyFileSync(path.join(repoRoot, f), path.join(dir, f));
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function copyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...PORTS };
  // Whatever points at this checkout's stack must not leak into the copy's.
  for (const k of [
    'STACK_DIR',
    'DATABASE_URL',
    'KAFKA_BROKERS',
    'SCHEMA_REGISTRY_URL',
    'CONNECT_URL',
    'KAFKA_SASL_USERNAME',
  ])
    delete env[k];
  return env;
}

function npmRun(dir: string, script: string): { status: number | null; output: string } {
  const res = spawnSync('npm', ['run', '-s', script], {
    cwd: dir,
    env: copyEnv(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/** Processes whose command line or working folder mentions one of `markers`. */
function processesUnder(markers: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline = '';
    let cwd = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    if (markers.some((m) => cmdline.includes(m) || cwd === m || cwd.startsWith(`${m}/`))) {
      found.push(`${pid} (cwd ${cwd}): ${cmdline.slice(0, 160)}`);
    }
  }
  return found;
}

describe('a fresh clone', () => {
  let dir: string;

  beforeAll(() => {
    dir = freshCopy();
  });

  afterAll(() => {
    npmRun(dir, 'stack:down'); // whatever the test found, leave nothing running
    const record = path.join(dir, '.stack', 'pg-location');
    const cluster = existsSync(record) ? readFileSync(record, 'utf8').trim() : undefined;
    rmSync(dir, { recursive: true, force: true });
    if (cluster?.startsWith(tmpdir())) rmSync(cluster, { recursive: true, force: true });
  });

  it('brings its stack up, and stack:down leaves no process of it behind', () => {
    expect(existsSync(path.join(dir, '.stack'))).toBe(false);

    const up = npmRun(dir, 'stack:up');
    expect({ status: up.status, output: up.output }).toMatchObject({ status: 0 });
    // Progress lines come without terminal escape fragments from Maven.
    expect(up.output).not.toMatch(/\u001b\[/);

    const cluster = readFileSync(path.join(dir, '.stack', 'pg-location'), 'utf8').trim();
    const markers = [dir, cluster];
    const running = processesUnder(markers);
    // The stack really ran from the copy: PostgreSQL from the recorded cluster, the JVMs from the copy.
    expect(running.some((p) => p.includes(cluster) && p.includes('postgres'))).toBe(true);
    expect(running.filter((p) => p.includes('java')).length).toBeGreaterThanOrEqual(3);

    const status = npmRun(dir, 'stack:status');
    expect(status.status).toBe(0);
    expect(status.output).toMatch(/^postgres\s+ready/m);

    const down = npmRun(dir, 'stack:down');
    expect(down.status).toBe(0);
    expect(down.output).toMatch(/postgres: stopped/);
    expect(processesUnder(markers)).toEqual([]);

    const after = npmRun(dir, 'stack:status');
    expect(after.output).not.toMatch(/\bready\b/);
  });
});
