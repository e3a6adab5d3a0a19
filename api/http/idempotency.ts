/**
 * Idempotency-Key for POSTs: the key is claimed and the response stored in the same transaction
 * as the change. A concurrent retry blocks on the claim until the first commits, then replays its
 * response; if the first rolled back, the retry runs as new.
 */
import type { Prisma } from '@prisma/client';
import type { Tx } from '../../lib/db/prisma.js';
import { AppError, ValidationError } from '../../lib/errors.js';

export interface IdempotencyClaim {
  userId: string;
  key: string;
  method: string;
  path: string;
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
export async function claimIdempotencyKey(tx: Tx, c: IdempotencyClaim): Promise<StoredResponse | undefined> {
  const inserted = await tx.$executeRaw`
    insert into idempotent_requests (user_id, key, method, path, status_code, response_body)
    values (${c.userId}, ${c.key}, ${c.method}, ${c.path}, 0, 'null'::jsonb)
    on conflict (user_id, key) do nothing`;
  if (inserted === 1) return undefined;
  const prior = await tx.idempotentRequest.findUniqueOrThrow({ where: { userId_key: { userId: c.userId, key: c.key } } });
  if (prior.method !== c.method || prior.path !== c.path) {
    throw new AppError('Idempotency-Key was already used for a different request', { code: 'idempotency_key_reused', retriable: false, status: 422 });
  }
  return { status: prior.statusCode, body: prior.responseBody };
}

export async function storeIdempotentResponse(tx: Tx, c: IdempotencyClaim, r: StoredResponse): Promise<void> {
  await tx.idempotentRequest.update({
    where: { userId_key: { userId: c.userId, key: c.key } },
    data: { statusCode: r.status, responseBody: r.body as Prisma.InputJsonValue },
  });
}
