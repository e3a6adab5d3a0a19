/**
 * Idempotency-Key for POSTs (IETF draft "The Idempotency-Key HTTP Header Field"): the key is
 * claimed and the response stored in the same transaction as the change. A key stands for one
 * request of one user: its method, path and a hash of its body. The same request again gets the
 * stored response; a different request with the key gets 422 and runs nothing. A concurrent retry
 * blocks on the claim until the first commits, then replays its response; if the first rolled
 * back, the retry runs as new.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '@prisma/client';
import { AppError, ValidationError } from '../../lib/errors.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';

export interface IdempotencyClaim {
  userId: string;
  key: string;
  method: string;
  path: string;
  /** {@link bodyHashOf} the request's body. */
  bodyHash: string;
}

/** JSON with object keys sorted, so the same body sent with its keys in another order hashes the same. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? ''
  );
}

/** SHA-256 (hex) of the parsed body's canonical JSON; a request without a body hashes the empty string. */
export function bodyHashOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(header)) {
    throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' }]);
  }
  return header;
}

/** Claims the key; returns the stored response when the key was already used. */
export async function claimIdempotencyKey(sql: SqlTx, c: IdempotencyClaim): Promise<StoredResponse | undefined> {
  const inserted = await sql.execute(Prisma.sql`
    insert into idempotent_requests (user_id, key, method, path, body_hash, status_code, response_body)
    values (${c.userId}, ${c.key}, ${c.method}, ${c.path}, ${c.bodyHash}, 0, 'null'::jsonb)
    on conflict (user_id, key) do nothing`);
  if (inserted === 1) return undefined;
  const [prior] = await sql.query<{
    method: string;
    path: string;
    bodyHash: string | null;
    status: number;
    body: unknown;
  }>(Prisma.sql`
    select method, path, body_hash as "bodyHash", status_code as status, response_body as body
      from idempotent_requests where user_id = ${c.userId} and key = ${c.key}`);
  // Only a key deleted between the two statements gets here; a retry claims it afresh.
  if (!prior)
    throw new AppError('Idempotency-Key record changed meanwhile, retry', {
      code: 'idempotency_key_conflict',
      retriable: true,
      status: 409,
    });
  // A row from before bodies were hashed (bodyHash null) is matched on method and path alone.
  const sameBody = prior.bodyHash === null || prior.bodyHash === c.bodyHash;
  if (prior.method !== c.method || prior.path !== c.path || !sameBody) {
    throw new AppError('Idempotency-Key was already used for a different request', {
      code: 'idempotency_key_reused',
      retriable: false,
      status: 422,
    });
  }
  return { status: prior.status, body: prior.body };
}

export async function storeIdempotentResponse(sql: SqlTx, c: IdempotencyClaim, r: StoredResponse): Promise<void> {
  await sql.execute(Prisma.sql`
    update idempotent_requests set status_code = ${r.status}, response_body = ${JSON.stringify(r.body)}::jsonb
     where user_id = ${c.userId} and key = ${c.key}`);
}
