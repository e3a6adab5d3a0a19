/**
 * `npm run consumer:dlq -- <group> list` shows what the group dead-lettered and why;
 * `npm run consumer:dlq -- <group> replay <event-id>... | --all` sends chosen events back into processing.
 */
import { readDeadLetters, replayDeadLetters } from '../lib/consumer/dead-letter-ops.js';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { parseGroup } from './config.js';

const USAGE = 'usage: npm run consumer:dlq -- <group> list | replay <event-id>... | replay --all';

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [groupName, command, ...rest] = argv;
  let group;
  try {
    group = parseGroup(groupName);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const kafka = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'consumer-dlq',
    principal: 'operator',
    quiet: true,
  });
  if (command === 'list') {
    const rows = await readDeadLetters(kafka, group);
    if (rows.length === 0) console.log(`todo.${group}.dlq is empty`);
    for (const r of rows) {
      console.log(
        `${r.offset}  ${r.eventId ?? '<no event-id>'}  ${r.eventType ?? '?'}  from ${r.originalTopic}  attempts=${r.attempts}  ${r.errorClass}: ${r.errorMessage}  (${r.failedAt})`,
      );
    }
    return;
  }
  if (command === 'replay') {
    if (rest.length === 0) throw new UsageError(`replay needs event ids or --all\n${USAGE}`);
    const all = await readDeadLetters(kafka, group);
    const chosen = rest.includes('--all') ? all : all.filter((r) => r.eventId && rest.includes(r.eventId));
    const unknown = rest.filter((id) => id !== '--all' && !all.some((r) => r.eventId === id));
    if (unknown.length > 0) throw new UsageError(`not in todo.${group}.dlq: ${unknown.join(', ')}`);
    console.log(`replayed ${await replayDeadLetters(kafka, chosen)} event(s) to their original topics`);
    return;
  }
  throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`consumer:dlq: ${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
