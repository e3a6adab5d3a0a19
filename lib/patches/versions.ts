/**
 * The versions of the dependencies we patch (PATCHES.md lists each patch with its upstream issue and
 * when to remove it). A patch reaches into a package's internals, so it is applied only to the exact
 * version it was written against (package.json pins it): with any other version the process refuses
 * to start, loudly, rather than run half-patched. No imports of the patched packages here: the
 * Prisma CLI loads this through prisma.config.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The versions the patches were written against; package.json pins the same. */
export const PATCHED_VERSIONS = {
  kafkajs: '2.2.4',
  '@prisma/adapter-pg': '6.19.3',
} as const;

export type PatchedPackage = keyof typeof PATCHED_VERSIONS;

/** Thrown when an installed package is not the version its patch was written for. */
export class PatchVersionError extends Error {
  override readonly name = 'PatchVersionError';
}

/** The version in the package's own package.json (found from its entry point: some do not export it). */
export function installedVersion(pkg: string): string {
  for (let dir = path.dirname(require.resolve(pkg)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg && json.version) return json.version;
    } catch {
      // no package.json at this level: look further up
    }
    if (path.dirname(dir) === dir) throw new PatchVersionError(`cannot find the package.json of ${pkg}`);
  }
}

/** Throws PatchVersionError unless `pkg` is installed at the version its patch was written for. */
export function checkPatchedVersion(pkg: PatchedPackage): void {
  const expected = PATCHED_VERSIONS[pkg];
  const installed = installedVersion(pkg);
  if (installed !== expected)
    throw new PatchVersionError(
      `${pkg} ${installed} is installed, but its patch (PATCHES.md) was written for ${expected}: ` +
        'check the patch against the new version (or remove it), then update PATCHED_VERSIONS and package.json',
    );
}
