/** A product service as a real child process, so tests can SIGKILL it; output goes to .stack/logs/test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface ServiceProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnService(
  entry: string,
  args: string[],
  logName: string,
  env: Record<string, string>,
): ServiceProcess {
  const logDir = path.resolve('.stack/logs/test');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${logName}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { ...process.env, ...env },
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
