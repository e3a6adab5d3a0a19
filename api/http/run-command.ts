/**
 * Runs a state-changing request in one transaction, with Idempotency-Key handling for POSTs, and
 * sends the answer. Everything the command writes (rows, outbox events, the stored response)
 * commits together or not at all.
 */
import type { Request, Response } from 'express';
import type { Db, Tx } from '../../lib/db/prisma.js';
import type { ActorContext } from '../tasks/task-service.js';
import { claimIdempotencyKey, idempotencyKeyOf, storeIdempotentResponse, type StoredResponse } from './idempotency.js';

export type Command = (tx: Tx, actor: ActorContext) => Promise<StoredResponse>;

export function actorOf(res: Response): ActorContext {
  return { userId: res.locals.userId as string, traceparent: (res.locals.trace as { traceparent: string }).traceparent };
}

export async function runCommand(db: Db, req: Request, res: Response, command: Command): Promise<void> {
  const actor = actorOf(res);
  const key = req.method === 'POST' ? idempotencyKeyOf(req.header('idempotency-key')) : undefined;
  const claim = key ? { userId: actor.userId, key, method: req.method, path: req.baseUrl + req.path } : undefined;
  let replayed = false;
  const result = await db.$transaction(
    async (tx) => {
      if (claim) {
        const prior = await claimIdempotencyKey(tx, claim);
        if (prior) {
          replayed = true;
          return prior;
        }
      }
      const r = await command(tx, actor);
      if (claim) await storeIdempotentResponse(tx, claim, r);
      return r;
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
}
