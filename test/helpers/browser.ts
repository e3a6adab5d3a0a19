/**
 * A real Chromium for the browser tests: Debian's chromium-headless-shell (or chromium), driven by
 * playwright-core. When neither is installed, root installs it with apt-get (as the machine's other
 * parts are installed); anyone else gets one line saying what to install. Never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
const PACKAGE = 'chromium-headless-shell';
const MISSING = `no Chromium found: install it with \`apt-get install -y ${PACKAGE}\` (as root), or set CHROMIUM_PATH`;

function installedBrowser(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

function aptGet(args: string[]): boolean {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/** The browser binary's path, installing the Debian package first when root may. */
export function ensureBrowser(): string {
  const found = installedBrowser();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt || process.env.CHROMIUM_PATH) throw new Error(MISSING);
  // The package lists may be stale or absent on a fresh machine: update once and retry.
  if (!aptGet(['install', '-y', '--no-install-recommends', PACKAGE])) {
    if (!aptGet(['update']) || !aptGet(['install', '-y', '--no-install-recommends', PACKAGE])) {
      throw new Error(`${MISSING} (apt-get install failed)`);
    }
  }
  const installed = installedBrowser();
  if (!installed) throw new Error(MISSING);
  return installed;
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A fresh headless Chromium. Playwright gives every launch a new temporary --user-data-dir of its own
 * (and refuses one passed in args), so no profile is shared between runs.
 */
export async function launchTestBrowser(): Promise<TestBrowser> {
  const executablePath = ensureBrowser();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
