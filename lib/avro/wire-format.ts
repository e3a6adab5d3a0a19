/** The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body. */

export const WIRE_HEADER_BYTES = 5;

export function wireHeader(schemaId: number): Buffer {
  const b = Buffer.alloc(WIRE_HEADER_BYTES);
  b.writeUInt8(0, 0);
  b.writeUInt32BE(schemaId, 1);
  return b;
}

/** The schema id of a wire-format value, or undefined when it is not in that format. */
export function schemaIdOf(value: Buffer | null | undefined): number | undefined {
  if (!value || value.length < WIRE_HEADER_BYTES || value.readUInt8(0) !== 0) return undefined;
  return value.readUInt32BE(1);
}
