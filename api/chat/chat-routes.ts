/** POST /api/:userId/chat. */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db/prisma.js';
import { isUuid, parseInput } from '../tasks/task-input.js';
import { NotFoundError } from '../../lib/errors.js';
import { actorOf, runCommand } from '../http/run-command.js';
import type { ChatService } from './chat-service.js';

const chatSchema = z
  .object({
    message: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(2000, 'must be at most 2000 characters'),
    conversation_id: z.string().optional(),
  })
  .strict();

export function chatRoutes(db: Db, chat: ChatService): Router {
  const r = Router({ mergeParams: true });
  r.post('/chat', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const body = parseInput(chatSchema, req.body);
      if (body.conversation_id !== undefined && !isUuid(body.conversation_id)) throw new NotFoundError('conversation');
      // The interpreter (possibly a remote model) answers before the transaction opens.
      const turn = await chat.interpret(db, actorOf(res), {
        message: body.message,
        conversationId: body.conversation_id,
      });
      await runCommand(db, req, res, async (tx, actor) => ({ status: 200, body: await chat.apply(tx, actor, turn) }));
    })().catch(next);
  });
  return r;
}
