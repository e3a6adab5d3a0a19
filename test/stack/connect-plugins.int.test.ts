/** The Connect worker runs with the Debezium Postgres connector and the outbox router installed. */
const CONNECT_URL = process.env.CONNECT_URL ?? `http://127.0.0.1:${process.env.CONNECT_PORT ?? 8083}`;

describe('Kafka Connect', () => {
  it('lists the Debezium Postgres connector plugin and the outbox Event Router', async () => {
    const connectors = (await (await fetch(`${CONNECT_URL}/connector-plugins`)).json()) as {
      class: string;
      type: string;
    }[];
    expect(connectors).toContainEqual(
      expect.objectContaining({ class: 'io.debezium.connector.postgresql.PostgresConnector', type: 'source' }),
    );
    const all = (await (await fetch(`${CONNECT_URL}/connector-plugins?connectorsOnly=false`)).json()) as {
      class: string;
    }[];
    expect(all.map((p) => p.class)).toEqual(
      expect.arrayContaining([
        'io.debezium.transforms.outbox.EventRouter',
        'io.debezium.converters.BinaryDataConverter',
      ]),
    );
  });
});
