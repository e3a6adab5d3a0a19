/**
 * Secrets a development checkout generates once and keeps in its stack folder (`STACK_DIR`, default
 * `.stack/` at the repository root; ignored by git, files mode 0600), so every command of the
 * checkout agrees on them without a secret in the repo. Production passes them in the environment.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { read, STACK_DIR } from './config/settings.js';

/** The checkout's stack folder: fetched jars, data, logs, generated secrets. */
export function stackDir(): string {
  return path.resolve(read(STACK_DIR));
}

/** The secret stored as `name` in the stack folder, generated (`bytes` random bytes) on first use. */
export function stackSecret(name: string, bytes = 24): string {
  const file = path.join(stackDir(), name);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(bytes).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
    chmodSync(file, 0o600);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (!secret) throw new Error(`${file} is empty: delete it and a new secret is generated`);
  return secret;
}
