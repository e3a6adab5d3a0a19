/**
 * The workload: `clients` concurrent users, each looping over a weighted mix of REST and chat
 * requests until stopped. Chosen so every consumer has work during the run:
 * - due dates mostly within the reminder lead time (default 15 min), so reminder-scheduler-cg
 *   schedules a reminder whose time has already come and reminder-trigger-cg fires it at its next
 *   tick (a delivery to the notification receiver); some far away, so later updates, completions
 *   and deletions reschedule and dismiss them;
 * - a recurring template per user now and then, pattern `cron:* * * * *` (every minute), so
 *   recurring-task-cg creates instances during the run; `finish()` deletes the templates so the
 *   system can become quiet;
 * - every task change gives task-broadcaster-cg and audit-log-cg work.
 * Titles carry a random word, so chat commands ("mark job k3x9q done") find exactly one task.
 */
import { signToken } from '../api/http/auth.js';
import { ChaosApiClient, type RequestStats } from './api-client.js';
import type { TemplateFact } from './checks.js';
import type { Random } from './random.js';

type Op =
  | 'create'
  | 'createTemplate'
  | 'chatAdd'
  | 'update'
  | 'complete'
  | 'chatComplete'
  | 'delete'
  | 'chatDelete'
  | 'chatRemind'
  | 'refresh';

const WEIGHTS: Record<Op, number> = {
  create: 26,
  createTemplate: 1,
  chatAdd: 10,
  update: 22,
  complete: 8,
  chatComplete: 4,
  delete: 8,
  chatDelete: 4,
  chatRemind: 4,
  refresh: 3,
};

interface KnownTask {
  id: string;
  title: string;
}

const MINUTE = 60_000;

export class Workload {
  readonly stats: RequestStats = { ok: 0, clientErrors: 0, retries: 0, gaveUp: 0 };
  readonly ops: Partial<Record<Op, number>> = {};
  private stopped = false;
  private loops: Promise<void>[] = [];
  private clients: ChaosApiClient[] = [];

  constructor(
    private readonly o: { baseUrl: string; jwtSecret: string; userPrefix: string; clients: number; random: Random },
  ) {}

  get userIds(): string[] {
    return this.clients.map((c) => c.userId);
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.o.clients; i++) {
      const userId = `${this.o.userPrefix}-u${i}`;
      this.clients.push(
        new ChaosApiClient(this.o.baseUrl, userId, await signToken(this.o.jwtSecret, userId, '24h'), this.stats),
      );
    }
    this.loops = this.clients.map((c) => this.runClient(c));
  }

  /** Lets each client finish its request in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Every recurring template of the run's users, as the API lists them (for the instance check). */
  async templates(): Promise<TemplateFact[]> {
    const out: TemplateFact[] = [];
    for (const c of this.clients)
      for (const t of await this.listTasks(c))
        if (t.isRecurringTemplate && t.recurrencePattern)
          out.push({
            id: t.id,
            pattern: t.recurrencePattern,
            anchor: new Date(t.dueDate ?? t.createdAt),
            createdAt: new Date(t.createdAt),
          });
    return out;
  }

  /** Deletes every recurring template (instances keep their tasks), so recurrences stop firing. */
  async finish(): Promise<number> {
    let deleted = 0;
    for (const c of this.clients) {
      for (const t of await this.listTasks(c)) {
        if (!t.isRecurringTemplate) continue;
        const r = await c.call('DELETE', `/tasks/${t.id}`);
        if (r?.status === 200) deleted++;
      }
    }
    return deleted;
  }

  private async listTasks(c: ChaosApiClient): Promise<
    {
      id: string;
      title: string;
      isRecurringTemplate: boolean;
      recurrencePattern: string | null;
      dueDate: string | null;
      createdAt: string;
      completed: boolean;
    }[]
  > {
    const out = [];
    let cursor: string | undefined;
    do {
      const r = await c.call('GET', `/tasks?status=all&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      if (r?.status !== 200) break;
      out.push(...r.body.items);
      cursor = r.body.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  private async runClient(c: ChaosApiClient): Promise<void> {
    const { random } = this.o;
    const tasks: KnownTask[] = [];
    let templates = 0;
    const word = () =>
      Math.floor(random.next() * 36 ** 6)
        .toString(36)
        .padStart(6, '0');
    const dueDate = (): string | null => {
      const r = random.next();
      if (r < 0.35) return null;
      if (r < 0.8) return new Date(Date.now() + random.between(-2, 10) * MINUTE).toISOString();
      return new Date(Date.now() + random.between(1, 72) * 60 * MINUTE).toISOString();
    };
    const take = (remove: boolean): KnownTask | undefined => {
      if (tasks.length === 0) return undefined;
      const i = random.int(tasks.length);
      const t = tasks[i]!;
      if (remove) tasks.splice(i, 1);
      return t;
    };
    while (!this.stopped) {
      let op = random.weighted(WEIGHTS);
      // Keep each user's open set small, so chat lookups stay unambiguous and cheap.
      if (tasks.length > 40 && (op === 'create' || op === 'chatAdd')) op = 'complete';
      if (op === 'createTemplate' && templates >= 1) op = 'create';
      this.ops[op] = (this.ops[op] ?? 0) + 1;
      switch (op) {
        case 'create': {
          const title = `job ${word()}`;
          const r = await c.call('POST', '/tasks', {
            title,
            dueDate: dueDate(),
            priority: random.pick(['Low', 'Medium', 'High']),
            tags: ['chaos'],
            ...(random.next() < 0.2 && { reminderLeadMinutes: random.int(20) }),
          });
          if (r?.status === 201) tasks.push({ id: r.body.id, title });
          break;
        }
        case 'createTemplate': {
          const r = await c.call('POST', '/tasks', {
            title: `routine ${word()}`,
            isRecurringTemplate: true,
            recurrencePattern: 'cron:* * * * *',
          });
          if (r?.status === 201) templates++;
          break;
        }
        case 'chatAdd': {
          const title = `job ${word()}`;
          const when = random.pick(['in 5 minutes', 'in 1 minute', 'tomorrow at 5pm', 'next week', '']);
          const r = await c.call('POST', '/chat', { message: `add ${title} ${when}`.trim() });
          const added = r?.body?.tool_calls?.[0]?.result;
          if (r?.status === 200 && added?.id) tasks.push({ id: added.id, title });
          break;
        }
        case 'update': {
          const t = take(false);
          if (!t) break;
          const patch = random.pick([
            { priority: random.pick(['Low', 'Medium', 'High']) },
            { dueDate: dueDate() },
            { description: `note ${word()}` },
            { tags: ['chaos', word()] },
          ]);
          await c.call('PATCH', `/tasks/${t.id}`, patch);
          break;
        }
        case 'complete': {
          const t = take(true);
          if (t) await c.call('POST', `/tasks/${t.id}/complete`);
          break;
        }
        case 'chatComplete': {
          const t = take(true);
          if (t) await c.call('POST', '/chat', { message: `mark ${t.title} done` });
          break;
        }
        case 'delete': {
          const t = take(true);
          if (t) await c.call('DELETE', `/tasks/${t.id}`);
          break;
        }
        case 'chatDelete': {
          const t = take(true);
          if (t) await c.call('POST', '/chat', { message: `delete ${t.title}` });
          break;
        }
        case 'chatRemind': {
          const t = take(false);
          if (t)
            await c.call('POST', '/chat', {
              message: `remind me about ${t.title} in ${random.pick([1, 2, 3])} minutes`,
            });
          break;
        }
        case 'refresh': {
          const open = (await this.listTasks(c)).filter(
            (x) => !x.completed && !x.isRecurringTemplate && x.title.startsWith('job '),
          );
          tasks.splice(0, tasks.length, ...open.map((x) => ({ id: x.id, title: x.title })));
          break;
        }
      }
    }
  }
}
