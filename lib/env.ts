/**
 * Reading the environment: the small typed helpers each service's config module uses, and the
 * connection defaults every service shares (they match the ports `npm run stack:up` uses).
 */

/** Thrown when an environment variable has a value that cannot be used; names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function envString(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function envOptional(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

export function envBool(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Connection settings shared by every service. */
export interface ConnectionConfig {
  readonly databaseUrl: string;
  readonly kafkaBrokers: string[];
  readonly schemaRegistryUrl: string;
}

/**
 * The defaults point at the local stack, following its port overrides (STACK_PG_PORT, KAFKA_PORT,
 * STACK_KAFKA_NODES, REGISTRY_PORT), so moving the stack's ports moves every client with it.
 */
export const DEFAULT_DATABASE_URL = `postgresql://postgres@127.0.0.1:${envString('STACK_PG_PORT', '5433')}/todo`;

/**
 * The client ports of the local stack's Kafka nodes: STACK_KAFKA_NODES of them (default 3, or 1
 * for the small form), the first on KAFKA_PORT (default 9092), each next one 2 higher (the odd port
 * between is that node's controller listener).
 */
export function localKafkaPorts(): number[] {
  const nodes = envInt('STACK_KAFKA_NODES', 3, 1);
  const first = envInt('KAFKA_PORT', 9092, 1);
  return Array.from({ length: nodes }, (_, i) => first + 2 * i);
}

export function connectionConfig(): ConnectionConfig {
  return Object.freeze({
    databaseUrl: envString('DATABASE_URL', DEFAULT_DATABASE_URL),
    kafkaBrokers: envString(
      'KAFKA_BROKERS',
      localKafkaPorts()
        .map((p) => `127.0.0.1:${p}`)
        .join(','),
    )
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    schemaRegistryUrl: envString(
      'SCHEMA_REGISTRY_URL',
      `http://127.0.0.1:${envString('REGISTRY_PORT', '8081')}/apis/ccompat/v7`,
    ),
  });
}
