/**
 * The development JWT secret: JWT_SECRET when set, otherwise a random one generated once into the
 * stack folder (ignored by git), so `npm start` and `npm run token` agree without a secret in the repo.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stackConfig } from './stack/stack-config.js';

export function devJwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = path.join(stackConfig().dir, 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
