/** The connector config and setup SQL, without any service. */
import { connectorConfig, defaultNames, HEADER_COLUMNS, slotSafe } from './connector.js';
import { parseLsn } from '../lib/db/lsn.js';
import { setupStatements } from './setup-sql.js';

const names = { connectorName: 'todo-outbox-app', slotName: 'debezium_outbox_app', publicationName: 'debezium_outbox' };

describe('Debezium connector config', () => {
  const cfg = connectorConfig({
    ...names,
    databaseUrl: 'postgresql://postgres@db.internal:6543/app',
    user: 'debezium_outbox',
    password: 's3cret',
  });

  it('reads the outbox inserts from our publication, from the slot, without snapshotting data', () => {
    expect(cfg).toMatchObject({
      'database.hostname': 'db.internal',
      'database.port': '6543',
      'database.dbname': 'app',
      'plugin.name': 'pgoutput',
      'slot.name': 'debezium_outbox_app',
      'publication.name': 'debezium_outbox',
      'publication.autocreate.mode': 'disabled',
      'table.include.list': 'public.outbox',
      'snapshot.mode': 'no_data',
      'tombstones.on.delete': 'false',
      'extended.headers.enabled': 'false',
    });
    expect(cfg['heartbeat.action.query']).toMatch(/INSERT INTO public\.debezium_heartbeat/);
  });

  it('routes by topic and places our headers, in recordOf order, with raw bytes as value', () => {
    expect(cfg['transforms']).toBe('outbox,dropIdHeader');
    expect(cfg['transforms.outbox.route.by.field']).toBe('topic');
    expect(cfg['transforms.outbox.table.field.event.key']).toBe('message_key');
    expect(cfg['transforms.outbox.table.field.event.payload']).toBe('payload');
    expect(cfg['transforms.outbox.table.fields.additional.placement']).toBe(
      'event_id:header:event-id,event_type:header:event-type,aggregate_version:header:aggregate-version,occurred_at:header:occurred-at,traceparent:header:traceparent,user_id:header:user-id',
    );
    expect(HEADER_COLUMNS.map(([, h]) => h)).toEqual([
      'event-id',
      'event-type',
      'aggregate-version',
      'occurred-at',
      'traceparent',
      'user-id',
    ]);
    expect(cfg['transforms.dropIdHeader.headers']).toBe('id');
    expect(cfg['key.converter']).toBe('org.apache.kafka.connect.storage.StringConverter');
    expect(cfg['value.converter']).toBe('io.debezium.converters.BinaryDataConverter');
    expect(cfg['header.converter']).toBe('org.apache.kafka.connect.storage.StringConverter');
  });

  it('derives per-database names that are valid slot names', () => {
    expect(slotSafe('Debezium-Outbox.Todo')).toBe('debezium_outbox_todo');
    expect(defaultNames('postgresql://u@h:1/todo_t_ab12').slotName).toBe('debezium_outbox_todo_t_ab12');
  });

  it('parses LSNs', () => {
    expect(parseLsn('0/2DEEB680')).toBe(0x2deeb680n);
    expect(parseLsn('1A/0')).toBe(0x1an << 32n);
  });
});

describe('Debezium setup SQL', () => {
  it('publishes inserts of the outbox and heartbeat table only, and escapes the password', () => {
    const sql = setupStatements({ role: 'debezium_outbox', password: "it's", publicationName: 'debezium_outbox' }).join(
      ';\n',
    );
    expect(sql).toContain(`FOR TABLE public.outbox, public.debezium_heartbeat WITH (publish = 'insert')`);
    expect(sql).toContain(`PASSWORD 'it''s'`);
    expect(sql).toContain('GRANT SELECT ON public.outbox TO "debezium_outbox"');
    expect(sql).toMatch(/LOGIN REPLICATION NOSUPERUSER/);
  });
});
