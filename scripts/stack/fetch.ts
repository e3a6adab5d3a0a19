/**
 * Fetching the JVM components from Maven Central, through Maven, into `.stack/jvm`. Maven's own
 * cache (~/.m2) makes a second fetch after a clean clone a local copy. A `.complete` marker per
 * component makes the fetch resumable: a half-copied folder is fetched again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from './stack-config.js';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

interface Component {
  name: string;
  pom: string;
  goal: 'copy-dependencies' | 'unpack-dependencies';
  target: string;
}

function components(cfg: StackConfig): Component[] {
  const pom = (n: string) => path.join(cfg.repoRoot, 'scripts', 'stack', 'maven', n, 'pom.xml');
  return [
    { name: 'kafka', pom: pom('kafka'), goal: 'copy-dependencies', target: path.join(cfg.jvmDir, 'kafka') },
    {
      name: 'debezium',
      pom: pom('debezium'),
      goal: 'copy-dependencies',
      target: path.join(cfg.jvmDir, 'debezium', 'debezium-connector-postgres'),
    },
    { name: 'registry', pom: pom('registry'), goal: 'unpack-dependencies', target: path.join(cfg.jvmDir, 'registry') },
    {
      name: 'jmx-exporter',
      pom: pom('jmx-exporter'),
      goal: 'copy-dependencies',
      target: path.join(cfg.jvmDir, 'jmx-exporter'),
    },
  ];
}

function stripTerminalCodes(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

/** Fetches every component not yet complete; throws naming the component whose fetch failed. */
export function fetchJvmComponents(cfg: StackConfig, log: (msg: string) => void): void {
  for (const c of components(cfg)) {
    const marker = path.join(c.target, '.complete');
    if (existsSync(marker)) continue;
    log(`fetching ${c.name} from Maven Central (first run only)…`);
    rmSync(c.target, { recursive: true, force: true });
    mkdirSync(c.target, { recursive: true });
    const res = spawnSync(
      'mvn',
      // Markers inside the target folder: a fresh fetch never trusts markers from an earlier one.
      [
        '-q',
        '-B',
        '-f',
        c.pom,
        `${DEPENDENCY_PLUGIN}:${c.goal}`,
        `-DoutputDirectory=${c.target}`,
        `-DmarkersDirectory=${path.join(c.target, '.markers')}`,
        '-DincludeScope=runtime',
      ],
      // Quiet Maven still writes terminal reset codes; its output is shown (plain) only on failure.
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
    if (res.error) throw new Error(`fetching ${c.name}: cannot run mvn (${res.error.message}); is Maven installed?`);
    if (res.status !== 0) {
      process.stderr.write(stripTerminalCodes(`${res.stdout}${res.stderr}`));
      throw new Error(`fetching ${c.name} with Maven failed (exit ${res.status}); see the output above`);
    }
    if (readdirSync(c.target).filter((f) => !f.startsWith('.')).length === 0) {
      throw new Error(`fetching ${c.name}: Maven finished but ${c.target} is empty`);
    }
    writeFileSync(marker, new Date().toISOString());
  }
}
