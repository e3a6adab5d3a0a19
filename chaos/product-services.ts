/**
 * The product's services for one chaos run, as child processes like `npm start` runs them (api,
 * relay or the Debezium relay process, the five consumers), all pointed at the run's database and
 * with the run's own Kafka group ids. Logs go to `<STACK_DIR>/logs/chaos/<run>/<service>.log`.
 *
 * The supervisor restarts a service the fault injector killed; a service that exits on its own
 * (nobody killed it) is restarted too, and counted as an unplanned exit: the report shows it,
 * because the guarantees must hold across those as well, but a product that crashes under faults
 * is worth knowing about.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONSUMER_GROUPS, type ConsumerGroup } from '../lib/topics.js';

export type ServiceName = 'api' | 'relay' | ConsumerGroup;

export const SERVICE_NAMES: readonly ServiceName[] = ['api', 'relay', ...CONSUMER_GROUPS];

interface ServiceSpec {
  entry: string;
  args: string[];
  env: Record<string, string>;
}

interface Running {
  child: ChildProcess;
  killedOnPurpose: boolean;
}

export class ProductServices {
  private readonly running = new Map<ServiceName, Running>();
  private readonly logs = new Map<ServiceName, WriteStream>();
  private readonly restartDelayMs = new Map<ServiceName, number>();
  private stopping = false;
  readonly unplannedExits: Partial<Record<ServiceName, number>> = {};

  constructor(
    private readonly specs: Record<ServiceName, ServiceSpec>,
    private readonly logDir: string,
    private readonly cwd: string,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  static forRun(opts: {
    repoRoot: string;
    logDir: string;
    databaseUrl: string;
    apiPort: number;
    jwtSecret: string;
    notifyUrl: string;
    groupIdOf: (g: ConsumerGroup) => string;
    relay: 'ts' | 'debezium';
    extraEnv?: Record<string, string>;
    /** Metrics on the default ports the stack's Prometheus scrapes, instead of any free port. */
    defaultMetricsPorts?: boolean;
  }): ProductServices {
    const anyPort = (name: string): Record<string, string> => (opts.defaultMetricsPorts ? {} : { [name]: '0' });
    const common = {
      DATABASE_URL: opts.databaseUrl,
      LOG_LEVEL: 'warn',
      KAFKAJS_LOG_LEVEL: 'nothing',
      ...opts.extraEnv,
    };
    const specs: Partial<Record<ServiceName, ServiceSpec>> = {
      api: {
        entry: 'api/main.ts',
        args: [],
        env: { ...common, PORT: String(opts.apiPort), HOST: '127.0.0.1', JWT_SECRET: opts.jwtSecret },
      },
      relay:
        opts.relay === 'debezium'
          ? // The janitor deletes only rows Connect confirmed; a short age makes "outbox empty" a quick quiescence signal.
            {
              entry: 'debezium/relay-main.ts',
              args: [],
              env: { ...common, DEBEZIUM_JANITOR_MAX_AGE_MS: '1000', DEBEZIUM_JANITOR_INTERVAL_MS: '1000' },
            }
          : { entry: 'relay/main.ts', args: [], env: { ...common, ...anyPort('RELAY_METRICS_PORT') } },
    };
    for (const g of CONSUMER_GROUPS) {
      specs[g] = {
        entry: 'consumers/main.ts',
        args: [g],
        env: {
          ...common,
          ...anyPort('CONSUMER_METRICS_PORT'),
          CONSUMER_KAFKA_GROUP_ID: opts.groupIdOf(g),
          NOTIFY_URL: opts.notifyUrl,
          CONSUMER_SESSION_TIMEOUT_MS: '6000',
        },
      };
    }
    return new ProductServices(specs as Record<ServiceName, ServiceSpec>, opts.logDir, opts.repoRoot);
  }

  startAll(): void {
    for (const name of SERVICE_NAMES) this.start(name);
  }

  start(name: ServiceName): void {
    const spec = this.specs[name];
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
      this.logs.set(name, log);
    }
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...spec.args], {
      cwd: this.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const entry: Running = { child, killedOnPurpose: false };
    const startedAt = Date.now();
    this.running.set(name, entry);
    child.once('exit', (code, signal) => {
      if (this.stopping || entry.killedOnPurpose || this.running.get(name) !== entry) return;
      this.unplannedExits[name] = (this.unplannedExits[name] ?? 0) + 1;
      // Back off like a process supervisor would: a service that cannot start (say, Kafka is
      // down and it exits at startup) must not keep two busy cores busier with restarts.
      const upMs = Date.now() - startedAt;
      const delay = upMs > 30_000 ? 1000 : Math.min(16_000, 2 * (this.restartDelayMs.get(name) ?? 500));
      this.restartDelayMs.set(name, delay);
      log.write(`\n[chaos] ${name} exited on its own (${signal ?? code}); restarting in ${delay} ms\n`);
      setTimeout(() => !this.stopping && this.running.get(name) === entry && this.start(name), delay);
    });
  }

  /** SIGKILL, then a restart after `downMs` (no shutdown hooks run: a crash). */
  async crash(name: ServiceName, downMs: number): Promise<void> {
    const entry = this.running.get(name);
    if (entry && entry.child.exitCode === null && entry.child.signalCode === null) {
      entry.killedOnPurpose = true;
      this.logs.get(name)?.write(`\n[chaos] SIGKILL ${name}\n`);
      await new Promise<void>((resolve) => {
        entry.child.once('exit', () => resolve());
        entry.child.kill('SIGKILL');
      });
    }
    await sleep(downMs);
    if (!this.stopping) this.start(name);
  }

  /** SIGTERM every service (SIGKILL after 15 s). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const log of this.logs.values()) log.end();
  }
}
