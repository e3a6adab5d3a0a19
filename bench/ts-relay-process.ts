/**
 * The TypeScript relay as the relay bench runs it: its own process, as in production, so that it
 * does not share an event loop with the bench's writer (whose 1,000 inserts/s would delay the
 * relay, and the relay the writer) while Debezium runs apart in Kafka Connect.
 *
 * Forked by relay-under-test.ts with an IPC channel. It loads, says `ready`, starts the relay
 * service on `start` (so the drain's clock does not include Node loading TypeScript), and on `stop`
 * stops it and sends back, once, what it published since the start: event id, commit time and
 * acknowledgement time of every row. Nothing crosses the channel while the relay is measured. The
 * process stays for the next `start` (a warmed-up relay, as in production, where it runs for
 * days) until `exit`.
 */
import type { RelayConfig } from '../relay/config.js';
import { startRelayService, type RelayService } from '../relay/relay-service.js';
import { stderrLogger } from './bench-kit.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';

installKafkajsPatches();

/** [event id, commit time (epoch ms, null when not tracked), acknowledgement time (epoch ms)]. */
export type PublishedRow = [string, number | null, number];

export type ToRelayProcess = { type: 'start'; config: RelayConfig } | { type: 'stop' } | { type: 'exit' };
export type FromRelayProcess =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'stopped'; published: PublishedRow[] }
  | { type: 'failed'; message: string };

const send = (m: FromRelayProcess) => new Promise<void>((resolve) => process.send!(m, undefined, {}, () => resolve()));
let published: PublishedRow[] = [];
let service: RelayService | undefined;

async function handle(m: ToRelayProcess): Promise<void> {
  if (m.type === 'start') {
    published = [];
    service = await startRelayService(m.config, stderrLogger('relay'), {
      onPublished: (rows, ackedAt) => {
        const acked = ackedAt.getTime();
        for (const r of rows) published.push([r.eventId, r.committedAt?.getTime() ?? null, acked]);
      },
    });
    await send({ type: 'started' });
  } else if (m.type === 'stop') {
    await service?.stop();
    service = undefined;
    await send({ type: 'stopped', published });
  } else {
    await service?.stop();
    process.disconnect();
  }
}

if (!process.send)
  throw new Error('bench/ts-relay-process.ts is started by the relay bench (with an IPC channel), not on its own');
process.on('message', (m: ToRelayProcess) => {
  handle(m).catch(async (err: Error) => {
    await send({ type: 'failed', message: err.message });
    process.exit(1);
  });
});
// The bench went away (killed): a relay left running would keep publishing into its database.
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready' });
