/** Bringing the whole local stack up, down, and reporting on it. `up` is idempotent. */
import path from 'node:path';
import { fetchJvmComponents } from './fetch.js';
import { connectService, registryService } from './jvm-services.js';
import { applyKafkaAcls } from './kafka-acls.js';
import { ensureKafkaUsers, kafkaService } from './kafka-nodes.js';
import { ensureDatabase, postgresService } from './postgres-service.js';
import { fetchPrometheus, prometheusService } from './prometheus-service.js';
import { waitUntil, withLock } from './processes.js';
import { stackConfig, type StackConfig } from './stack-config.js';
import type { StackService } from './stack-service.js';

export function stackServices(cfg: StackConfig = stackConfig()) {
  return {
    postgres: postgresService(cfg),
    kafka: kafkaService(cfg),
    registry: registryService(cfg),
    connect: connectService(cfg),
    prometheus: prometheusService(cfg),
  };
}

/** Names the service that did not come up and where its log is. */
export class StackStartError extends Error {
  override readonly name = 'StackStartError';
}

async function readyNow(s: StackService): Promise<boolean> {
  return s.isReady().catch(() => false);
}

async function bringUp(s: StackService, cfg: StackConfig, log: (m: string) => void): Promise<void> {
  if (await readyNow(s)) {
    log(`${s.name}: ready`);
    return;
  }
  if (!s.isRunning()) {
    log(`${s.name}: starting (log: ${s.logFile})`);
    try {
      await s.start();
    } catch (err) {
      throw new StackStartError(`${s.name} failed to start: ${(err as Error).message}\n  see ${s.logFile}`);
    }
  } else {
    log(`${s.name}: running, waiting until ready`);
  }
  const started = Date.now();
  let lastError = '';
  const ok = await waitUntil(async () => {
    try {
      return await s.isReady();
    } catch (err) {
      lastError = (err as Error).message;
      return false;
    }
  }, cfg.readyTimeoutMs);
  if (!ok) {
    const alive = s.isRunning() ? 'still running but not ready' : 'exited';
    throw new StackStartError(
      `${s.name} did not become ready within ${cfg.readyTimeoutMs / 1000}s (${alive}${lastError ? `; last error: ${lastError}` : ''})\n  see ${s.logFile}`,
    );
  }
  log(`${s.name}: ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** Fetches what is missing and starts every service that is not ready, waiting for all. */
export async function ensureStack(log: (m: string) => void = (m) => console.log(`[stack] ${m}`)): Promise<void> {
  const cfg = stackConfig();
  await withLock(path.join(cfg.runDir, 'up.lock'), () => bringUpAll(cfg, log));
}

async function bringUpAll(cfg: StackConfig, log: (m: string) => void): Promise<void> {
  const s = stackServices(cfg);
  fetchJvmComponents(cfg, log);
  ensureKafkaUsers();
  fetchPrometheus(log);
  await bringUp(s.postgres, cfg, log);
  await ensureDatabase(cfg, 'registry');
  await bringUp(s.kafka, cfg, log);
  log(`kafka: ${cfg.kafkaNodes.length} node(s), ${await applyKafkaAcls(cfg)} ACL entries in place`);
  // Registry and Connect are independent of each other: start both, then wait for both.
  await Promise.all([bringUp(s.registry, cfg, log), bringUp(s.connect, cfg, log), bringUp(s.prometheus, cfg, log)]);
}

/** Stops every service, the last-started first. */
export async function stopStack(log: (m: string) => void = (m) => console.log(`[stack] ${m}`)): Promise<void> {
  const s = stackServices();
  for (const svc of [s.prometheus, s.connect, s.registry, s.kafka, s.postgres]) {
    const stopped = await svc.stop();
    log(`${svc.name}: ${stopped ? 'stopped' : 'not running'}`);
  }
}

export interface ServiceStatus {
  name: string;
  running: boolean;
  ready: boolean;
  log: string;
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  const s = stackServices();
  return Promise.all(
    Object.values(s).map(async (svc) => ({
      name: svc.name,
      running: svc.isRunning(),
      ready: await readyNow(svc),
      log: svc.logFile,
    })),
  );
}
