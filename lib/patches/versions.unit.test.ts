/** The patched packages are pinned in package.json to the versions their patches were written for, and installed so. */
import { readFileSync } from 'node:fs';
import { checkPatchedVersion, installedVersion, PATCHED_VERSIONS, type PatchedPackage } from './versions.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('patched dependency versions', () => {
  it.each(Object.keys(PATCHED_VERSIONS) as PatchedPackage[])(
    '%s is pinned and installed at the patched version',
    (pkg) => {
      expect(manifest.dependencies[pkg]).toBe(PATCHED_VERSIONS[pkg]);
      expect(installedVersion(pkg)).toBe(PATCHED_VERSIONS[pkg]);
      expect(() => checkPatchedVersion(pkg)).not.toThrow();
    },
  );
});
