/**
 * `tsx chaos/start-stack-service.ts kafka|connect`: starts one JVM service of the stack, detached.
 * The fault injector runs this as a child process because starting Kafka runs its storage tool
 * synchronously (a JVM, seconds on a busy machine), which would freeze the harness's workload
 * clients and notification receiver if done in-process.
 */
import { connectService } from '../scripts/stack/jvm-services.js';
import { kafkaService } from '../scripts/stack/kafka-nodes.js';
import { stackConfig } from '../scripts/stack/stack-config.js';

const name = process.argv[2];
const cfg = stackConfig();
const service = name === 'kafka' ? kafkaService(cfg) : name === 'connect' ? connectService(cfg) : undefined;
if (!service) {
  console.error(`start-stack-service: unknown service "${name ?? ''}": kafka or connect`);
  process.exit(2);
}
await service.start();
