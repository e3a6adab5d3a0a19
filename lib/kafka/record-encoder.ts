/**
 * A faster encoder for the records kafkajs puts in a produce request, byte for byte the same as
 * kafkajs's own.
 *
 * Why: kafkajs 2.2.4 (its last release) encodes each record with one growable encoder for the
 * record and one per header, each starting as a zero-filled 512-byte buffer, and writes every
 * varint through a fresh `Buffer.from([...])`. With our six headers that is seven zeroed buffers
 * and about twenty small allocations per record: a third of the relay's CPU in a profile of a
 * drain, and most of its garbage. Here a record is sized first and written into one exact buffer.
 *
 * How: kafkajs's produce request (v3 and up, which every supported broker speaks) takes its
 * record encoder from `require('…/recordBatch/record/v0')` when it is first loaded, lazily, at the
 * first produce. `installRecordEncoder()` puts this encoder in that module's place in Node's
 * require cache before then, and refuses (returns false) when the produce request is already
 * loaded, so it can never half-apply. Anything outside the common shape (header arrays, values
 * that are neither strings nor buffers) goes to kafkajs's own encoder. The unit test compares the
 * bytes with kafkajs's encoder over many records; the Debezium parity test compares them on the wire.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
}

type RecordEncoder = (record: RecordInput) => KafkajsEncoder;

const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const PRODUCE_V3_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as { prototype: object };

/** kafkajs's own record encoder, as shipped. */
export const kafkajsRecordEncoder = require(RECORD_MODULE) as RecordEncoder;

/** Bytes of `n` as an unsigned LEB128 varint (n >= 0, below 2^53). */
function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeUvarint(buf: Buffer, offset: number, n: number): number {
  while (n >= 0x80) {
    buf[offset++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[offset++] = n;
  return offset;
}

/** Zig-zag as Kafka's varint and varlong do it, in float arithmetic so it holds beyond 32 bits. */
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

const isPlain = (v: unknown): v is string | Buffer => typeof v === 'string' || Buffer.isBuffer(v);
const byteLength = (v: string | Buffer): number => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);

function writeBytes(buf: Buffer, offset: number, v: string | Buffer, length: number): number {
  offset = writeUvarint(buf, offset, zigzag(length));
  if (typeof v === 'string') buf.write(v, offset, length, 'utf8');
  else v.copy(buf, offset);
  return offset + length;
}

/** One record, as kafkajs's record v0 encoder writes it, in one allocation. */
export const fastRecordEncoder: RecordEncoder = (record) => {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
  if (!Number.isSafeInteger(offsetDelta) || !Number.isSafeInteger(timestampDelta) || Math.abs(timestampDelta) > 2 ** 51)
    return kafkajsRecordEncoder(record);
  if ((key != null && !isPlain(key)) || (value != null && !isPlain(value))) return kafkajsRecordEncoder(record);
  const headerKeys = Object.keys(headers);
  const headerSizes: number[] = new Array(headerKeys.length * 2);
  let headersSize = uvarintSize(zigzag(headerKeys.length));
  for (let i = 0; i < headerKeys.length; i++) {
    const v = headers[headerKeys[i]!];
    if (!isPlain(v)) return kafkajsRecordEncoder(record);
    const k = Buffer.byteLength(headerKeys[i]!, 'utf8');
    const n = byteLength(v);
    headerSizes[2 * i] = k;
    headerSizes[2 * i + 1] = n;
    headersSize += uvarintSize(zigzag(k)) + k + uvarintSize(zigzag(n)) + n;
  }
  const keyLength = key == null ? -1 : byteLength(key);
  const valueLength = value == null ? -1 : byteLength(value);
  const bodySize =
    1 +
    uvarintSize(zigzag(timestampDelta)) +
    uvarintSize(zigzag(offsetDelta)) +
    uvarintSize(zigzag(keyLength)) +
    Math.max(0, keyLength) +
    uvarintSize(zigzag(valueLength)) +
    Math.max(0, valueLength) +
    headersSize;
  const buf = Buffer.allocUnsafe(uvarintSize(zigzag(bodySize)) + bodySize);
  let o = writeUvarint(buf, 0, zigzag(bodySize));
  buf[o++] = 0; // attributes: none used per record
  o = writeUvarint(buf, o, zigzag(timestampDelta));
  o = writeUvarint(buf, o, zigzag(offsetDelta));
  o = key == null ? writeUvarint(buf, o, zigzag(-1)) : writeBytes(buf, o, key, keyLength);
  o = value == null ? writeUvarint(buf, o, zigzag(-1)) : writeBytes(buf, o, value, valueLength);
  o = writeUvarint(buf, o, zigzag(headerKeys.length));
  for (let i = 0; i < headerKeys.length; i++) {
    o = writeBytes(buf, o, headerKeys[i]!, headerSizes[2 * i]!);
    o = writeBytes(buf, o, headers[headerKeys[i]!] as string | Buffer, headerSizes[2 * i + 1]!);
  }
  // kafkajs only reads `buf`, `offset` and the prototype's `buffer`/`size()` of an encoder it is given.
  const encoder = Object.create(EncoderClass.prototype) as KafkajsEncoder;
  encoder.buf = buf;
  encoder.offset = o;
  return encoder;
};

let installed = false;

/**
 * Makes kafkajs's produce requests use `fastRecordEncoder`. True when it is (or already was) in
 * place; false when kafkajs had already loaded its produce request, which then keeps its own.
 */
export function installRecordEncoder(): boolean {
  if (installed) return true;
  const produceV3 = require.resolve(PRODUCE_V3_MODULE);
  if (require.cache[produceV3]) return false;
  const entry = require.cache[require.resolve(RECORD_MODULE)];
  if (!entry) return false;
  entry.exports = fastRecordEncoder;
  installed = true;
  return true;
}
