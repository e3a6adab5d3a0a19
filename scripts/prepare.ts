/**
 * Everything the product and the tests need before they run: the stack up, the Prisma client
 * generated, migrations applied, topics provisioned, schemas registered. Idempotent.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { migrate } from './migrate.js';
import { provisionAllTopics } from './provision-topics.js';
import { registerAllSchemas } from './register-schemas.js';
import { ensureStack } from './stack/stack.js';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { stackConfig } from './stack/stack-config.js';

/** Generates the Prisma client when it is missing or was generated from another schema. */
export function ensurePrismaClient(): void {
  const root = stackConfig().repoRoot;
  const marker = path.join(root, 'node_modules', '.prisma', 'client', '.schema-sha1');
  const hash = createHash('sha1')
    .update(readFileSync(path.join(root, 'prisma', 'schema.prisma')))
    .digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) return;
  const res = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.status !== 0) throw new Error('prisma generate failed');
  writeFileSync(marker, hash);
}

/**
 * A fresh broker answers the first idempotent producer with "coordinator is loading" while it
 * creates its internal state; wait that out here rather than in every service's first send.
 */
async function warmUpKafka(): Promise<void> {
  const producer = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'prepare',
    principal: 'operator',
    retries: 10,
    quiet: true,
  }).producer({ idempotent: true });
  await producer.connect();
  await producer.disconnect();
}

export interface PrepareOptions {
  /**
   * Migrate the default database (DATABASE_URL). A caller that works only in databases cloned
   * from the migrated template (test-database.ts, which migrates the template itself when the
   * migrations change) can skip it: `prisma migrate deploy` costs over 10 s even with nothing to do.
   */
  migrateDefaultDatabase?: boolean;
}

export async function prepareAll(
  log: (m: string) => void = (m) => console.log(`[prepare] ${m}`),
  opts: PrepareOptions = {},
): Promise<void> {
  await ensureStack();
  ensurePrismaClient();
  if (opts.migrateDefaultDatabase ?? true) {
    await migrate();
    log('migrations applied');
  }
  await warmUpKafka();
  const topics = await provisionAllTopics();
  log(
    `topics ready (created ${topics.created.length}, corrected ${topics.configsCorrected.length}, replicas added ${topics.replicationRaised.length})`,
  );
  const schemas = await registerAllSchemas();
  log(`schemas registered (${schemas.length})`);
}
