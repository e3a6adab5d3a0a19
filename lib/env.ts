/**
 * The connection settings every service shares, read from the catalogue (lib/config/settings.ts);
 * their defaults follow the local stack's ports.
 */
import { DATABASE_URL, KAFKA_BROKERS, read, SCHEMA_REGISTRY_URL } from './config/settings.js';

export interface ConnectionConfig {
  readonly databaseUrl: string;
  readonly kafkaBrokers: string[];
  readonly schemaRegistryUrl: string;
}

export function connectionConfig(): ConnectionConfig {
  return Object.freeze({
    databaseUrl: read(DATABASE_URL),
    kafkaBrokers: read(KAFKA_BROKERS),
    schemaRegistryUrl: read(SCHEMA_REGISTRY_URL),
  });
}
