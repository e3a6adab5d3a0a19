/**
 * `npm start`: brings the stack up if needed, applies migrations, provisions topics and schemas,
 * then runs the product's services as child processes with their output prefixed. Ctrl-C (or
 * SIGTERM) stops them gracefully; if one dies, the others are stopped too and the exit is non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { HOST, PORT, read, RELAY } from '../lib/config/settings.js';
import { devJwtSecret } from './dev-secrets.js';
import { CONSUMER_GROUPS } from '../lib/topics.js';
import { prepareAll } from './prepare.js';
import { prometheusUrl } from './stack/prometheus-service.js';
import { stackConfig } from './stack/stack-config.js';

interface ProductService {
  name: string;
  entry: string;
  args?: string[];
}

function relayService(): ProductService {
  const relay = read(RELAY);
  // With Debezium, the relay process registers the connector (debezium/register.ts), waits for
  // RUNNING, then runs the outbox janitor. Rows the API writes before the slot exists are
  // published by the registration's handover, so the API need not wait for it.
  if (relay === 'debezium') return { name: 'relay', entry: 'debezium/relay-main.ts' };
  if (relay !== 'ts') {
    throw new Error(
      `RELAY=${relay} is not known: use RELAY=ts (the TypeScript relay) or RELAY=debezium (Kafka Connect)`,
    );
  }
  return { name: 'relay', entry: 'relay/main.ts' };
}

function productServices(): ProductService[] {
  return [
    { name: 'api', entry: 'api/main.ts' },
    relayService(),
    ...CONSUMER_GROUPS.map((g) => ({ name: g.replace(/-cg$/, ''), entry: 'consumers/main.ts', args: [g] })),
  ];
}

async function main(): Promise<void> {
  const services = productServices();
  await prepareAll();
  const env = { ...process.env, JWT_SECRET: devJwtSecret() };
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[start] stopping the product…');
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const force = setTimeout(() => c.kill('SIGKILL'), 15_000);
            c.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    console.log('[start] stopped (the stack keeps running: npm run stack:down stops it)');
    process.exit(code);
  };

  for (const s of services) {
    const child = spawn(process.execPath, ['--import', 'tsx', s.entry, ...(s.args ?? [])], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(s.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream! }).on('line', (line) => console.log(`${s.name.padEnd(17)}| ${line}`));
    }
    child.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`[start] ${s.name} exited (${signal ?? code}); stopping the rest`);
      void stopAll(1);
    });
  }
  console.log(
    `[start] running ${services.map((s) => s.name).join(', ')}; API on http://${read(HOST)}:${read(PORT)} — Ctrl-C to stop`,
  );
  console.log('[start] a token for user "demo": npm run token -- demo');
  console.log(
    `[start] Prometheus: ${prometheusUrl(stackConfig())} (lag, throughput, alerts; README "Watching it run")`,
  );
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

main().catch((err: Error) => {
  console.error(`[start] ${err.message}`);
  process.exit(1);
});
