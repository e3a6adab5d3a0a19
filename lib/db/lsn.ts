/** PostgreSQL WAL positions (`pg_lsn`, written `XXXXXXXX/XXXXXXXX`) as numbers, to compare or hand to Debezium. */

/** The LSN as a 64-bit number: the part before the slash is the high 32 bits. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(lsn.trim());
  if (!m) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}
