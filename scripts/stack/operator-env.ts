/**
 * What an outside tool needs to reach the local stack as the operator principal (`npm run -s
 * stack:env` prints it as shell exports); the project's own clients read the same variables.
 */
import { DATABASE_URL, readIfSet } from '../../lib/config/settings.js';
import { connectionConfig } from '../../lib/env.js';
import { ensureKafkaUsers } from './kafka-nodes.js';
import { registryUrl } from './jvm-services.js';
import { stackDatabaseUrl, type StackConfig } from './stack-config.js';

export function operatorEnvironment(cfg: StackConfig): Record<string, string> {
  return {
    KAFKA_BROKERS: connectionConfig().kafkaBrokers.join(','),
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'operator',
    KAFKA_SASL_PASSWORD: ensureKafkaUsers().operator,
    SCHEMA_REGISTRY_URL: registryUrl(cfg),
    DATABASE_URL: readIfSet(DATABASE_URL) ?? stackDatabaseUrl(cfg, 'todo'),
  };
}
