/**
 * The kafkajs patches (lib/kafka/record-encoder.ts, lib/kafka/request-queue-fix.ts; PATCHES.md),
 * installed explicitly: nothing patches itself on import. Each `main` that uses Kafka calls
 * `installKafkajsPatches()` before it builds a client.
 */
import { installRecordEncoder } from '../kafka/record-encoder.js';
import { installRequestQueueFix } from '../kafka/request-queue-fix.js';
import { checkPatchedVersion } from './versions.js';

let kafkajsPatched: { fastRecordEncoding: boolean } | undefined;

/**
 * Installs the kafkajs patches (lib/kafka/record-encoder.ts, lib/kafka/request-queue-fix.ts) after
 * checking the version. Call it first thing in a `main`: the record encoder must be in place before
 * the first produce request loads (`fastRecordEncoding` says whether it is). Idempotent.
 */
export function installKafkajsPatches(): { fastRecordEncoding: boolean } {
  if (kafkajsPatched) return kafkajsPatched;
  checkPatchedVersion('kafkajs');
  installRequestQueueFix();
  kafkajsPatched = { fastRecordEncoding: installRecordEncoder() };
  return kafkajsPatched;
}

/** Whether the kafkajs patches were installed in this process, and the record encoder with them. */
export function kafkajsPatchState(): { installed: boolean; fastRecordEncoding: boolean } {
  return { installed: kafkajsPatched !== undefined, fastRecordEncoding: kafkajsPatched?.fastRecordEncoding ?? false };
}
