/**
 * The run's own database: a fresh clone of the migrated template (as each test file gets), plus an
 * event log that exists only here. Both relays delete outbox rows once published, so the outbox
 * cannot say afterwards what was committed; an AFTER INSERT trigger copies each outbox row's
 * identity into `chaos_event_log` inside the writing transaction, so the log holds exactly the
 * committed events (a rolled-back change leaves no log row either). The trigger costs every
 * write one more insert, which is why it is installed here and nowhere else.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../scripts/test-database.js';

const EVENT_LOG_SQL = `
create table chaos_event_log (
  event_id uuid primary key,
  topic text not null,
  message_key text not null,
  event_type text not null,
  aggregate_version bigint not null,
  user_id text not null,
  logged_at timestamptz not null default clock_timestamp()
);
create function chaos_log_outbox_row() returns trigger language plpgsql as $$
begin
  insert into chaos_event_log (event_id, topic, message_key, event_type, aggregate_version, user_id)
  values (new.event_id, new.topic, new.message_key, new.event_type, new.aggregate_version, new.user_id);
  return new;
end $$;
create trigger chaos_log_outbox_row after insert on outbox for each row execute function chaos_log_outbox_row();
`;

export interface LoggedEvent {
  eventId: string;
  topic: string;
  key: string;
  eventType: string;
  version: number;
  userId: string;
}

export class ChaosDatabase {
  private constructor(
    private readonly database: TestDatabase,
    readonly pool: pg.Pool,
  ) {}

  static async create(): Promise<ChaosDatabase> {
    const database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'chaos-harness' });
    // A paused or restarted PostgreSQL breaks idle connections; the next query takes a new one.
    pool.on('error', () => undefined);
    await pool.query(EVENT_LOG_SQL);
    return new ChaosDatabase(database, pool);
  }

  get name(): string {
    return this.database.name;
  }

  get url(): string {
    return this.database.url;
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    const rows = (await this.pool.query<{ n: string }>(sql, params)).rows;
    return Number(rows[0]?.n ?? 0);
  }

  async eventsLogged(): Promise<number> {
    return this.count('select count(*) as n from chaos_event_log');
  }

  async loggedEvents(): Promise<LoggedEvent[]> {
    const { rows } = await this.pool.query<{
      event_id: string;
      topic: string;
      message_key: string;
      event_type: string;
      aggregate_version: string;
      user_id: string;
    }>('select event_id, topic, message_key, event_type, aggregate_version, user_id from chaos_event_log');
    return rows.map((r) => ({
      eventId: r.event_id,
      topic: r.topic,
      key: r.message_key,
      eventType: r.event_type,
      version: Number(r.aggregate_version),
      userId: r.user_id,
    }));
  }

  async close(drop: boolean): Promise<void> {
    await this.pool.end().catch(() => undefined);
    if (drop) await this.database.drop();
    else await this.database.db.$disconnect();
  }
}
