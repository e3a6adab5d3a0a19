/**
 * The web page at `/` in a real Chromium (playwright-core), against the real chain: API (with the
 * live task and notification feeds) → outbox → relay → Kafka → task-broadcaster-cg,
 * reminder-scheduler-cg, reminder-trigger-cg (in-app notifications) and audit-log-cg. Pages find
 * things the way a screen reader does: the textbox "Message", the list "Tasks". The run writes
 * docs/screenshot.png, which the README shows.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import { reminderSchedulerService } from '../../consumers/reminder-scheduler/reminder-scheduler-handler.js';
import { reminderTriggerService } from '../../consumers/reminder-trigger/reminder-trigger-service.js';
import { taskBroadcasterService } from '../../consumers/task-broadcaster/task-broadcaster-handler.js';
import type { RelayService } from '../../relay/relay-service.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { launchTestBrowser, type TestBrowser } from '../helpers/browser.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const TIME_ZONE = 'Asia/Tokyo';
const SCREENSHOT = path.resolve('docs/screenshot.png');

let database: TestDatabase;
let api: TestApi;
let port: number;
let relay: RelayService;
let consumers: RunningConsumerService[] = [];
let trigger: RunningConsumerService;
let ticking: NodeJS.Timeout | undefined;
let chromium: TestBrowser;
let context: BrowserContext;
/** Pages and contexts a test opened: closed after it, pass or fail, so no stream outlives its test. */
let opened: { close(): Promise<void> }[] = [];
const alice = `alice-${randomUUID().slice(0, 8)}`;
const bob = `bob-${randomUUID().slice(0, 8)}`;

const startApi = (p?: number) => startTestApi({ sse: true, notifications: true, database, port: p });

/**
 * A page signed in through `/#token=`, with its task list loaded and both live streams open. Each
 * page holds two streams and Chromium allows six HTTP/1.1 connections per origin and profile, so a
 * test with several pages opens them in contexts of their own (`newContext`), as separate people would.
 */
async function openPage(
  userId: string,
  o: { viewport?: { width: number; height: number }; in?: BrowserContext } = {},
): Promise<Page> {
  const viewport = o.viewport ?? { width: 1280, height: 860 };
  const page = await (o.in ?? context).newPage();
  opened.push(page);
  await page.setViewportSize(viewport);
  await page.goto(`${api.baseUrl}/#token=${await api.token(userId)}`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  return page;
}

const tasksList = (page: Page) => page.getByRole('list', { name: 'Tasks' });
const taskItem = (page: Page, title: string) =>
  tasksList(page)
    .getByRole('listitem')
    .filter({ has: page.getByText(title, { exact: true }) });

/** Waits until the element's text contains `text` (or matches it). */
const textShows = (locator: Locator, text: string | RegExp) =>
  waitFor(
    async () => {
      const t = (await locator.textContent()) ?? '';
      return typeof text === 'string' ? t.includes(text) : text.test(t);
    },
    { timeoutMs: 10_000, what: `text ${String(text)}` },
  );

/** The due date as the page should show it: the browser's locale and zone. */
const localText = (page: Page, iso: string) =>
  page.evaluate(
    (d) =>
      new Intl.DateTimeFormat(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: 'numeric',
        minute: '2-digit',
      }).format(new Date(d)),
    iso,
  );

async function newContext(): Promise<BrowserContext> {
  const c = await chromium.browser.newContext({ timezoneId: TIME_ZONE, locale: 'en-US' });
  opened.push(c);
  return c;
}

afterEach(async () => {
  for (const o of opened.reverse()) await o.close().catch(() => undefined);
  opened = [];
});

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startApi();
  port = Number(new URL(api.baseUrl).port);
  relay = await startTestRelay(database.url);
  consumers = await Promise.all([
    startTestConsumer(taskBroadcasterService, database.url),
    startTestConsumer(reminderSchedulerService, database.url),
    startTestConsumer(auditLogService, database.url),
    startTestConsumer(reminderTriggerService, database.url, { config: { notifyUrl: undefined } }),
  ]);
  trigger = consumers[3]!;
  // The trigger's scheduler tick, driven here instead of by cron (test consumers run no cron).
  ticking = setInterval(() => void trigger.tick(), 250);
  chromium = await launchTestBrowser();
  context = await chromium.browser.newContext({ timezoneId: TIME_ZONE, locale: 'en-US' });
}, 120_000);

afterAll(async () => {
  clearInterval(ticking);
  await context?.close();
  await chromium?.close();
  for (const c of consumers) await c.stop();
  await relay?.stop();
  await api?.stop();
  await database?.drop();
});

describe('the web page', () => {
  it('is served at / with a same-origin-only content security policy', async () => {
    const res = await fetch(`${api.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const js = await fetch(`${api.baseUrl}/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('POST /api/dev/token signs in by user id, and names a bad one in errors[]', async () => {
    const ok = await fetch(`${api.baseUrl}/api/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: alice }),
    });
    expect(ok.status).toBe(200);
    const { token } = (await ok.json()) as { token: string };
    const tasks = await fetch(`${api.baseUrl}/api/${alice}/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(tasks.status).toBe(200);

    const bad = await fetch(`${api.baseUrl}/api/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'no spaces/allowed' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['userId']);
  });

  it('the live streams answer 503 while their feeds are not reading, so the page retries instead of missing changes', async () => {
    const idle = await startApi();
    try {
      await idle.taskChanges!.stop();
      await idle.notificationFeed!.stop();
      for (const path of ['/events', '/notifications/events']) {
        const res = await idle.call(alice, 'GET', path);
        expect([path, res.status, res.headers.get('content-type')]).toEqual([
          path,
          503,
          expect.stringMatching(/application\/problem\+json/),
        ]);
      }
    } finally {
      await idle.stop();
    }
  });

  it('signs in with the user id form and with /#token=, which leaves the address bar', async () => {
    const page = await context.newPage();
    opened.push(page);
    await page.goto(`${api.baseUrl}/`);
    // Signed out, the page shows the sign-in only.
    await page.getByLabel('User id').waitFor();
    expect(await page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    await page.getByLabel('User id').fill(alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await textShows(page.locator('#who'), alice);
    expect(await page.getByLabel('User id').isVisible()).toBe(false);
    await page.close();

    const byHash = await openPage(alice);
    expect(new URL(byHash.url()).hash).toBe('');
    expect(byHash.url()).not.toContain('token');
    await byHash.close();
  });

  it('"add buy milk tomorrow at 5pm" in the chat shows the task in the list with its local time', async () => {
    const page = await openPage(alice);
    await page.getByRole('textbox', { name: 'Message' }).fill('add buy milk tomorrow at 5pm');
    await page.keyboard.press('Enter');
    const item = taskItem(page, 'buy milk');
    await item.waitFor();
    await textShows(page.getByRole('list', { name: 'Conversation' }), /add_task/);
    const stored = (await api.call(alice, 'GET', '/tasks?q=buy milk')).body.items[0];
    expect(stored.dueDate).toEqual(expect.any(String));
    expect(await item.locator('time').getAttribute('datetime')).toBe(stored.dueDate);
    expect(await item.locator('time').textContent()).toBe(await localText(page, stored.dueDate));
    // The page sent the browser's zone (PUT /settings), so the chat read 5pm as 5 pm in Tokyo.
    const settings = await api.call(alice, 'GET', '/settings');
    expect(settings.body).toEqual(expect.objectContaining({ timeZone: TIME_ZONE }));
    expect(await item.locator('time').textContent()).toMatch(/5:00 PM$/);
    expect(new Date(stored.dueDate).toISOString()).toMatch(/T08:00:00\.000Z$/);
    await page.setViewportSize({ width: 1280, height: 860 });
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it('a task created by REST appears within a second on a second page of its user, never on another user’s', async () => {
    const first = await openPage(alice);
    const second = await openPage(alice, { in: await newContext() });
    const other = await openPage(bob, { in: await newContext() });
    // Three tasks one after another; the middle delay must be under a second. One slow delivery on
    // this shared two-core machine (a consumer's poll, the relay's) does not decide alone.
    const titles: string[] = [];
    const delaysMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const title = `call the plumber ${randomUUID().slice(0, 6)}`;
      const created = await api.call(alice, 'POST', '/tasks', { title, priority: 'High', tags: ['home'] });
      expect(created.status).toBe(201);
      const t0 = Date.now();
      await taskItem(second, title).waitFor({ timeout: 5_000 });
      delaysMs.push(Date.now() - t0);
      titles.push(title);
    }
    for (const title of titles) await taskItem(first, title).waitFor({ timeout: 5_000 });
    // Bob's own task arriving proves his stream works; alice's tasks must still not be on his page.
    await api.call(bob, 'POST', '/tasks', { title: 'bob’s own task' });
    await taskItem(other, 'bob’s own task').waitFor({ timeout: 5_000 });
    for (const title of titles) expect(await other.getByText(title).count()).toBe(0);
    const median = [...delaysMs].sort((a, b) => a - b)[1]!;
    expect({ delaysMs, medianUnderASecond: median < 1_000 }).toEqual({ delaysMs, medianUnderASecond: true });
  });

  it('four tabs of one user in one browser share one set of streams and all stay live', async () => {
    // Two streams per tab would need eight connections; Chromium gives an origin six.
    const tabs: Page[] = [];
    for (let i = 0; i < 4; i++) tabs.push(await openPage(alice));
    const title = `feed the cat ${randomUUID().slice(0, 6)}`;
    expect((await api.call(alice, 'POST', '/tasks', { title })).status).toBe(201);
    for (const tab of tabs) await taskItem(tab, title).waitFor({ timeout: 5_000 });
    // The tab holding the streams closes: another takes them over.
    await tabs[0]!.close();
    const next = `feed the dog ${randomUUID().slice(0, 6)}`;
    await waitFor(async () => (await tabs[1]!.locator('#connection').textContent()) === 'Live', { what: 'live' });
    expect((await api.call(alice, 'POST', '/tasks', { title: next })).status).toBe(201);
    for (const tab of tabs.slice(1)) await taskItem(tab, next).waitFor({ timeout: 10_000 });
  });

  it('completes and deletes from the list by keyboard; the audit endpoint shows the events', async () => {
    const title = `water the plants ${randomUUID().slice(0, 6)}`;
    const task = (await api.call(alice, 'POST', '/tasks', { title })).body;
    const page = await openPage(alice, { viewport: { width: 390, height: 844 } });
    const item = taskItem(page, title);
    await item.waitFor();
    await item.getByRole('checkbox', { name: `Done: ${title}` }).focus();
    await page.keyboard.press('Space');
    await waitFor(() => item.getByRole('checkbox', { name: `Done: ${title}` }).isChecked(), {
      what: 'the box checked',
    });
    await waitFor(async () => (await api.call(alice, 'GET', `/tasks/${task.id}`)).body.completed === true, {
      what: 'the task completed',
    });

    await item.getByRole('button', { name: `Delete ${title}` }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await item.count()) === 0, { what: 'the task gone from the list' });
    expect((await api.call(alice, 'GET', `/tasks/${task.id}`)).status).toBe(404);

    const types = await waitFor(
      async () => {
        const audit = await api.call(alice, 'GET', `/audit?taskId=${task.id}`);
        const t = (audit.body.items as { eventType: string }[]).map((a) => a.eventType);
        return t.includes('TaskCompleted') && t.includes('TaskDeleted') ? t : undefined;
      },
      { what: 'TaskCompleted and TaskDeleted in the audit log' },
    );
    expect(types).toEqual(expect.arrayContaining(['TaskCreated', 'TaskCompleted', 'TaskDeleted']));
    await page.close();
  });

  it('edits a task in place', async () => {
    const title = `read a book ${randomUUID().slice(0, 6)}`;
    await api.call(alice, 'POST', '/tasks', { title });
    const page = await openPage(alice);
    await taskItem(page, title)
      .getByRole('button', { name: `Edit ${title}` })
      .click();
    const form = page.getByRole('form', { name: `Edit ${title}` });
    await form.getByLabel('Title').fill(`${title} twice`);
    await form.getByLabel('Priority').selectOption('Low');
    await form.getByRole('button', { name: 'Save' }).click();
    await taskItem(page, `${title} twice`).waitFor();
    const stored = (await api.call(alice, 'GET', `/tasks?q=${encodeURIComponent(title)}`)).body.items[0];
    expect(stored).toEqual(expect.objectContaining({ title: `${title} twice`, priority: 'Low' }));
    await page.close();
  });

  it('a reminder due in a few seconds shows up as an in-page notification', async () => {
    const page = await openPage(alice);
    const title = `take the cake out ${randomUUID().slice(0, 6)}`;
    const due = new Date(Date.now() + 4_000).toISOString();
    expect((await api.call(alice, 'POST', '/tasks', { title, dueDate: due, reminderLeadMinutes: 0 })).status).toBe(201);
    const toast = page.getByRole('region', { name: 'New reminders' }).getByText(title);
    await toast.waitFor({ timeout: 30_000 });
    await textShows(page.getByRole('list', { name: 'Notifications' }), title);
    await page.close();
  });

  it('reconnects after the API stops and restarts, and catches up without a reload', async () => {
    const page = await openPage(alice);
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));
    await api.stop();
    await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();

    // A change made while this API is down (through another API process on the same database).
    const meanwhile = await startApi();
    const missed = `while you were away ${randomUUID().slice(0, 6)}`;
    expect((await meanwhile.call(alice, 'POST', '/tasks', { title: missed })).status).toBe(201);
    await meanwhile.stop();

    api = await startApi(port);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await taskItem(page, missed).waitFor();
    // And it is live again: a new change arrives through the stream.
    const after = `after the restart ${randomUUID().slice(0, 6)}`;
    await api.call(alice, 'POST', '/tasks', { title: after });
    // Not a speed check: the restarted API's feed may still be settling into its consumer group.
    await taskItem(page, after).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await page.close();
  });
});
