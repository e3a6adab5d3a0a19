/** The relay in-process against a test database, with fast polling. */
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { startRelayService, type RelayService } from '../../relay/relay-service.js';
import { createLogger } from '../../lib/logger.js';

export function testRelayConfig(databaseUrl: string, overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...relayConfig(), databaseUrl, metricsPort: 0, pollIntervalMs: 50, standbyRetryMs: 200, ...overrides };
}

export function startTestRelay(databaseUrl: string, overrides: Partial<RelayConfig> = {}): Promise<RelayService> {
  return startRelayService(
    testRelayConfig(databaseUrl, overrides),
    createLogger('relay-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
}
