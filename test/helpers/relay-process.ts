/** The relay as a real child process (`relay/main.ts`), so tests can SIGKILL it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface RelayProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnRelay(databaseUrl: string, env: Record<string, string> = {}): RelayProcess {
  const logDir = path.resolve('.stack/logs/test');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, 'relay.log'), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, RELAY_METRICS_PORT: '0', RELAY_POLL_INTERVAL_MS: '50', RELAY_STANDBY_RETRY_MS: '300', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    child,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
