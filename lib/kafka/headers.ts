import type { IHeaders } from 'kafkajs';

/** A record's headers as strings (the first value of a repeated header), as our events carry them. */
export function headersAsStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {}))
    if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}
