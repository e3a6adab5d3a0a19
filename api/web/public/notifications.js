// Reminders that fired: listed when the page opens (and on every reconnect), new ones shown as a toast.
import { el, localDateTime } from './format.js';

const TOASTS_SHOWN = 3;

export function createNotifications({ api, listEl, emptyEl, toastsEl }) {
  const seen = new Set();
  let loaded = false;

  function item(n) {
    return el(
      'li',
      { 'data-id': n.id },
      el('span', { class: 'notification-title', text: n.title }),
      ' ',
      el('time', { datetime: n.remindAt, text: localDateTime(n.remindAt) }),
    );
  }

  function toast(n) {
    const box = el(
      'div',
      { class: 'toast', role: 'status' },
      el(
        'p',
        {},
        el('strong', { text: 'Reminder: ' }),
        n.title,
        ' ',
        el('time', { datetime: n.remindAt, text: localDateTime(n.remindAt) }),
      ),
      el('button', {
        type: 'button',
        text: 'Dismiss',
        'aria-label': `Dismiss reminder ${n.title}`,
        onclick: () => box.remove(),
      }),
    );
    toastsEl.append(box);
    while (toastsEl.children.length > TOASTS_SHOWN) toastsEl.firstElementChild?.remove();
  }

  /** A notification from the list or the stream: shown once, the newest on top. */
  function add(n, { quiet = false } = {}) {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    listEl.prepend(item(n));
    emptyEl.hidden = true;
    if (!quiet) toast(n);
  }

  /** The latest notifications; those new since the last look (missed while disconnected) are toasted. */
  async function load() {
    const { items } = await api.get('/notifications?limit=20');
    for (const n of [...items].reverse()) add(n, { quiet: !loaded });
    loaded = true;
  }

  return { load, add };
}
