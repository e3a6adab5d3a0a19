/**
 * The Java side of the check, set up once: Maven copies the jars of k8s/check/pom.xml into
 * `.stack/k8s-check/lib` (from Maven Central, through ~/.m2), javac compiles HelmRender.java into
 * `.stack/k8s-check/classes`. Markers keyed by the hash of the POM and of the source make both
 * happen again only when those change. `.stack/` is ignored by git.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JAVA_HOME, K8S_CHECK_JAVA, read } from '../../lib/config/settings.js';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface Toolchain {
  java: string;
  classpath: string;
}

function hashOf(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[], what: string): void {
  const res = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.error) throw new Error(`${what}: cannot run ${cmd} (${res.error.message})`);
  if (res.status !== 0) throw new Error(`${what} failed (exit ${res.status}):\n${res.stdout}${res.stderr}`.trimEnd());
}

/** Copies a POM's runtime dependencies into `dir` unless the marker says it is done. */
export function fetchJars(pom: string, dir: string, log: (m: string) => void, profile?: string): void {
  const marker = path.join(dir, `.complete-${hashOf(pom)}${profile ? `-${profile}` : ''}`);
  if (existsSync(marker)) return;
  log(`fetching ${path.basename(path.dirname(pom))} jars with Maven into ${dir} (first run only)…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [
    '-q',
    '-B',
    '-f',
    pom,
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    `-DoutputDirectory=${dir}`,
    '-DincludeScope=runtime',
  ];
  if (profile) args.push('-P', profile);
  run('mvn', args, 'Maven fetch');
  writeFileSync(marker, new Date().toISOString());
}

/** The `java` to use: K8S_CHECK_JAVA, else $JAVA_HOME/bin/java, else the one on PATH (17+). */
export function javaBinary(): string {
  const configured = read(K8S_CHECK_JAVA);
  if (configured) return configured;
  const home = read(JAVA_HOME);
  if (home && existsSync(path.join(home, 'bin', 'java'))) return path.join(home, 'bin', 'java');
  return 'java';
}

export function ensureToolchain(root: string, log: (m: string) => void): Toolchain {
  const base = path.join(root, '.stack', 'k8s-check');
  const lib = path.join(base, 'lib');
  fetchJars(path.join(root, 'k8s', 'check', 'pom.xml'), lib, log);
  const source = path.join(root, 'k8s', 'check', 'java', 'HelmRender.java');
  const classes = path.join(base, 'classes');
  const marker = path.join(classes, `.compiled-${hashOf(source)}`);
  const java = javaBinary();
  const javac = java === 'java' ? 'javac' : path.join(path.dirname(java), 'javac');
  if (!existsSync(marker)) {
    rmSync(classes, { recursive: true, force: true });
    mkdirSync(classes, { recursive: true });
    run(javac, ['-nowarn', '-cp', path.join(lib, '*'), '-d', classes, source], 'compiling HelmRender.java');
    writeFileSync(marker, new Date().toISOString());
  }
  return { java, classpath: `${classes}${path.delimiter}${path.join(lib, '*')}` };
}

/** Runs HelmRender on a plan; returns its parsed output. */
export function runRender<T>(tc: Toolchain, plan: unknown, workDir: string): T {
  mkdirSync(workDir, { recursive: true });
  const planFile = path.join(workDir, 'plan.json');
  const outFile = path.join(workDir, 'rendered.json');
  writeFileSync(planFile, JSON.stringify(plan, null, 2));
  rmSync(outFile, { force: true });
  // Helm's native library logs through SLF4J's simple backend; keep its chatter out of the report.
  run(
    tc.java,
    ['-Xss4m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', tc.classpath, 'HelmRender', planFile, outFile],
    'rendering the charts',
  );
  return JSON.parse(readFileSync(outFile, 'utf8')) as T;
}
