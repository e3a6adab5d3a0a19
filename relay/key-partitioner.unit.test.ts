/** The relay's partitioner puts every key on the partition the Java client (and Debezium) would. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { keyPartitioner, murmur2, partitionForKey } from './key-partitioner.js';

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

describe('key partitioner', () => {
  it("matches Kafka's own murmur2 test vectors (clients UtilsTest)", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it("agrees with kafkajs's DefaultPartitioner on ids, arbitrary, multi-byte and long keys", () => {
    const keys = [
      ...Array.from({ length: 300 }, () => randomUUID()),
      ...Array.from({ length: 300 }, (_, i) => randomBytes(i % 40).toString('base64')),
      ...Array.from({ length: 100 }, (_, i) => `tâche-${i}-${'€'.repeat(i % 5)}-😀`),
      'k'.repeat(5000),
      '',
    ];
    const kafkajs = Partitioners.DefaultPartitioner();
    const ours = keyPartitioner();
    for (const n of [1, 3, 6, 7]) {
      const partitionMetadata = metadata(n);
      for (const key of keys) {
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect([key, ours({ topic: 't', partitionMetadata, message: { key, value: null } })]).toEqual([key, expected]);
        expect(partitionForKey(Buffer.from(key), n)).toBe(expected);
      }
    }
  });

  it('refuses a record without a key rather than placing it anywhere', () => {
    expect(() =>
      keyPartitioner()({ topic: 't', partitionMetadata: metadata(6), message: { key: null, value: null } }),
    ).toThrow(/no key/);
  });
});
