/**
 * `npm run settings:table` writes the README's table of settings from the catalogue
 * (lib/config/settings.ts); `npm run settings:check` (CI) only compares, and fails when the README
 * is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from '../lib/config/settings-table.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

function main(args: string[]): number {
  const check = args.includes('--check');
  const current = readFileSync(README, 'utf8');
  const wanted = withSettingsTable(current);
  if (wanted === current) {
    if (check) console.log('[settings] the README table of settings is current');
    return 0;
  }
  if (check) {
    console.error("[settings] README.md's table of settings is stale: run `npm run settings:table` and commit it");
    return 1;
  }
  writeFileSync(README, wanted);
  console.log('[settings] README.md table of settings rewritten');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`[settings] ${(err as Error).message}`);
  process.exitCode = 1;
}
