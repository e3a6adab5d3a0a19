/** The relay as a real child process (`relay/main.ts`), so tests can SIGKILL it. */
import { spawnService, type ServiceProcess } from './service-process.js';

export type RelayProcess = ServiceProcess;

export function spawnRelay(databaseUrl: string, env: Record<string, string> = {}): RelayProcess {
  return spawnService('relay/main.ts', [], 'relay', {
    DATABASE_URL: databaseUrl,
    RELAY_METRICS_PORT: '0',
    RELAY_POLL_INTERVAL_MS: '50',
    RELAY_STANDBY_RETRY_MS: '300',
    LOG_LEVEL: 'info',
    ...env,
  });
}
