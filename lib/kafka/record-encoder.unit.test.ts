/** The record encoder writes exactly the bytes kafkajs's own encoder writes, for every shape it takes. */
import { randomBytes, randomUUID } from 'node:crypto';
import { fastRecordEncoder, kafkajsRecordEncoder, type RecordInput } from './record-encoder.js';

const bytesOf = (e: { buf: Buffer; offset: number }) => Buffer.from(e.buf.subarray(0, e.offset));

function outboxLikeRecord(i: number): RecordInput {
  return {
    offsetDelta: i,
    timestampDelta: 0,
    key: randomUUID(),
    value: randomBytes(280 + (i % 40)),
    headers: {
      'event-id': randomUUID(),
      'event-type': 'TaskCreated',
      'aggregate-version': String(i + 1),
      'occurred-at': new Date(1_700_000_000_000 + i).toISOString(),
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
      'user-id': `user-${i}`,
    },
  };
}

describe('record encoder', () => {
  it("matches kafkajs byte for byte on outbox records of a batch's offsets", () => {
    const differing: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const r = outboxLikeRecord(i);
      if (!bytesOf(fastRecordEncoder(r)).equals(bytesOf(kafkajsRecordEncoder(r)))) differing.push(i);
    }
    expect(differing).toEqual([]);
  });

  it('matches on edge shapes: null and empty keys and values, no headers, multi-byte text, buffer headers, large values and deltas', () => {
    const shapes: RecordInput[] = [
      { key: null, value: null },
      { key: '', value: Buffer.alloc(0), headers: {} },
      { value: 'plain text value' },
      { key: 'tâche-€-😀', value: 'ünïcode 😀'.repeat(30), headers: { 'clé-😀': 'valeur €' } },
      { key: Buffer.from([0, 1, 2, 255]), value: randomBytes(70_000), headers: { raw: randomBytes(200), empty: '' } },
      { offsetDelta: 63, timestampDelta: 64, key: 'k', value: 'v' },
      { offsetDelta: 8191, timestampDelta: -1, key: 'k', value: 'v' },
      { offsetDelta: 2 ** 20, timestampDelta: -(2 ** 40), key: 'k', value: 'v' },
      { timestampDelta: 3_600_000 * 24 * 365 * 5, key: 'k', value: 'v' },
      {
        key: 'k',
        value: 'v',
        headers: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`h${i}`, 'x'.repeat(i * 3)])),
      },
    ];
    const differing = shapes.filter((r) => !bytesOf(fastRecordEncoder(r)).equals(bytesOf(kafkajsRecordEncoder(r))));
    expect(differing).toEqual([]);
  });

  it("leaves shapes it does not handle to kafkajs's encoder (header arrays)", () => {
    const r: RecordInput = { key: 'k', value: 'v', headers: { many: ['a', 'b'] } };
    expect(bytesOf(fastRecordEncoder(r)).equals(bytesOf(kafkajsRecordEncoder(r)))).toBe(true);
  });
});
