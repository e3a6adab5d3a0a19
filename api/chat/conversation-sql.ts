/**
 * A conversation's writes (its row and its messages) in raw SQL on `SqlTx`, like every write;
 * Prisma keeps the schema, the migrations and the reads. Ids and timestamps are the application's,
 * as Prisma's model API chose them (`uuid()`, `now()`, `@updatedAt`).
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type Conversation } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

/** A new conversation of the user's. */
export async function createConversation(sql: SqlTx, userId: string, at = new Date()): Promise<Conversation> {
  const c: Conversation = { id: randomUUID(), userId, createdAt: at, updatedAt: at };
  await sql.execute(Prisma.sql`
    insert into conversations (id, user_id, created_at, updated_at)
    values (${c.id}::uuid, ${c.userId}, ${c.createdAt}, ${c.updatedAt})`);
  return c;
}

export interface NewMessage {
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  /** Stored as JSON (jsonb); absent: null. */
  toolCalls?: unknown;
}

/** Appends a message to the conversation. */
export async function appendMessage(sql: SqlTx, m: NewMessage, at = new Date()): Promise<void> {
  const toolCalls = m.toolCalls === undefined ? null : JSON.stringify(m.toolCalls);
  await sql.execute(Prisma.sql`
    insert into messages (id, conversation_id, role, content, tool_calls, created_at)
    values (${randomUUID()}::uuid, ${m.conversationId}::uuid, ${m.role}, ${m.content}, ${toolCalls}::jsonb, ${at})`);
}

/** Sets the conversation's updated_at (its latest turn). */
export async function touchConversation(sql: SqlTx, id: string, at = new Date()): Promise<void> {
  const n = await sql.execute(Prisma.sql`update conversations set updated_at = ${at} where id = ${id}::uuid`);
  if (n !== 1) throw new Error(`conversation ${id} not found`);
}
