/** Finding a Java runtime new enough for each JVM service (Apicurio 3.3 needs 21+, Kafka 17+). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { JAVA_HOME, readIfSet, type Setting } from '../../lib/config/settings.js';

function majorVersion(javaBin: string): number | undefined {
  // `java -version` writes to stderr.
  const res = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  return res.error ? undefined : parse(`${res.stdout}${res.stderr}`);
}

function parse(text: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 ? Number(m[2]) : first;
}

/** Path of a `java` binary of at least `minMajor`, preferring `preferredHome`, JAVA_HOME, PATH, then /usr/lib/jvm. */
export function findJava(minMajor: number, preferredHome: Setting<string>): string {
  const candidates: string[] = [];
  for (const v of [readIfSet(preferredHome), readIfSet(JAVA_HOME)]) {
    if (v) candidates.push(path.join(v, 'bin', 'java'));
  }
  candidates.push('java');
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort().reverse())
      candidates.push(path.join('/usr/lib/jvm', d, 'bin', 'java'));
  }
  const seen: string[] = [];
  for (const c of candidates) {
    const v = majorVersion(c);
    if (v !== undefined) seen.push(`${c} (${v})`);
    if (v !== undefined && v >= minMajor) return c;
  }
  throw new Error(
    `no Java ${minMajor}+ found (set ${preferredHome.name} or JAVA_HOME); found: ${seen.join(', ') || 'none'}`,
  );
}
