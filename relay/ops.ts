/**
 * Operator commands for events the relay dead-lettered (`npm run relay:ops -- <command>`):
 *   held                 keys held back, with the dead-lettered event and reason
 *   dead-letters         every dead-lettered event with its reason
 *   release <key>        let the key's later events flow (its dead letter stays recorded)
 *   replay <event-id>    put a dead-lettered event back in the outbox ahead of its key's later
 *                        events and release the key (after the cause was fixed, e.g. a larger
 *                        max.message.bytes on the topic)
 */
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { inTransaction } from '../lib/db/sql-tx.js';

export class OpsError extends Error {}

export async function listHeldKeys(db: pg.ClientBase | pg.Pool) {
  return (
    await db.query('select message_key, topic, event_id::text, reason, held_at from outbox_held_keys order by held_at')
  ).rows;
}

export async function listDeadLetters(db: pg.ClientBase | pg.Pool) {
  return (
    await db.query(
      'select id::text, event_id::text, topic, message_key, event_type, aggregate_version::text, length(payload) as bytes, reason, failed_at from outbox_dead_letters order by id',
    )
  ).rows;
}

export async function releaseKey(db: pg.ClientBase | pg.Pool, key: string): Promise<void> {
  const { rowCount } = await db.query('delete from outbox_held_keys where message_key = $1', [key]);
  if (rowCount === 0) throw new OpsError(`key "${key}" is not held`);
}

export async function replayDeadLetter(pool: pg.Pool, eventId: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const moved = await c.query(
      `with dl as (delete from outbox_dead_letters where event_id = $1::uuid returning *)
       insert into outbox (id, event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id, created_at)
       select id, event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id, created_at from dl
       returning message_key`,
      [eventId],
    );
    if (moved.rowCount === 0) throw new OpsError(`no dead-lettered event ${eventId}`);
    await c.query('delete from outbox_held_keys where message_key = $1', [moved.rows[0].message_key]);
  });
}

const USAGE = 'usage: npm run relay:ops -- held | dead-letters | release <key> | replay <event-id>';

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  const pool = new pg.Pool({ connectionString: connectionConfig().databaseUrl, max: 2 });
  try {
    switch (command) {
      case 'held':
        console.table(await listHeldKeys(pool));
        return 0;
      case 'dead-letters':
        console.table(await listDeadLetters(pool));
        return 0;
      case 'release':
        if (!arg) throw new OpsError(`release needs the key\n${USAGE}`);
        await releaseKey(pool, arg);
        console.log(`released ${arg}`);
        return 0;
      case 'replay':
        if (!arg || !/^[0-9a-f-]{36}$/i.test(arg)) throw new OpsError(`replay needs an event id (UUID)\n${USAGE}`);
        await replayDeadLetter(pool, arg);
        console.log(`event ${arg} is back in the outbox; its key is released`);
        return 0;
      default:
        throw new OpsError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
    }
  } finally {
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`relay:ops: ${err.message}`);
      process.exit(err instanceof OpsError ? 2 : 1);
    },
  );
}
