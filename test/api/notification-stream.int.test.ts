/**
 * GET /api/:userId/notifications/events: new in-app notifications as Server-Sent Events, from the
 * notifications table's trigger through the API's LISTEN connection; only the user's own; a
 * reconnect with Last-Event-ID first gets what was created after that notification.
 */
import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { waitFor } from '../helpers/wait-for.js';

interface Frame {
  id: string;
  event: string;
  data: any;
}

/** An open stream collecting its frames. */
async function openStream(api: TestApi, userId: string, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(`${api.baseUrl}/api/${userId}/notifications/events`, {
    headers: {
      authorization: `Bearer ${await api.token(userId)}`,
      ...(lastEventId && { 'last-event-id': lastEventId }),
    },
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  const reading = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          block
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        const data = field('data');
        if (data) frames.push({ id: field('id')!, event: field('event')!, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return {
    res,
    frames,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

describe('GET /api/:userId/notifications/events', () => {
  let api: TestApi;
  const user = `n-${randomUUID().slice(0, 8)}`;
  const other = `o-${randomUUID().slice(0, 8)}`;
  let made = 0;

  /** A notification row as reminder-trigger-cg writes it (the trigger does the rest). */
  async function notify(userId: string, title: string) {
    made += 1;
    return api.database.db.notification.create({
      data: {
        id: randomUUID(),
        userId,
        reminderId: randomUUID(),
        taskId: randomUUID(),
        title,
        remindAt: new Date(),
        // Distinct, increasing times: the replay order is (created_at, id).
        createdAt: new Date(Date.now() + made),
      },
    });
  }

  beforeAll(async () => {
    api = await startTestApi({ notifications: true });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('streams the user’s new notifications, and no one else’s', async () => {
    const mine = await openStream(api, user);
    const theirs = await openStream(api, other);
    expect(mine.res.status).toBe(200);
    expect(mine.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const n = await notify(user, 'stretch your legs');
    await notify(other, 'not for you');
    await waitFor(() => mine.frames.length === 1 && theirs.frames.length === 1, { what: 'one frame each' });
    expect(mine.frames[0]).toEqual({
      id: n.id,
      event: 'Notification',
      data: expect.objectContaining({ id: n.id, title: 'stretch your legs', reminderId: n.reminderId }),
    });
    expect(theirs.frames[0]!.data.title).toBe('not for you');
    await Promise.all([mine.close(), theirs.close()]);
  });

  it('a reconnect with Last-Event-ID first replays the ones created after it, oldest first, then goes on live', async () => {
    const seen = await notify(user, 'first');
    const missed1 = await notify(user, 'second');
    const missed2 = await notify(user, 'third');
    await notify(other, 'someone else’s');
    const s = await openStream(api, user, seen.id);
    await waitFor(() => s.frames.length === 2, { what: 'the two missed' });
    const live = await notify(user, 'fourth');
    await waitFor(() => s.frames.length === 3, { what: 'the live one' });
    expect(s.frames.map((f) => f.id)).toEqual([missed1.id, missed2.id, live.id]);
    await s.close();
  });

  it('a Last-Event-ID that is not the user’s resumes from now', async () => {
    const foreign = await notify(other, 'theirs');
    await notify(user, 'before');
    const s = await openStream(api, user, foreign.id);
    const live = await notify(user, 'after');
    await waitFor(() => s.frames.length >= 1, { what: 'the live one' });
    expect(s.frames.map((f) => f.id)).toEqual([live.id]);
    await s.close();
  });
});
