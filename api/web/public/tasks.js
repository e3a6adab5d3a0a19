// The task list: REST filters, live changes merged by version, complete/edit/delete in place.
import { el, fromLocalInput, localDateTime, toLocalInput } from './format.js';

const PAGE = 100;
const MAX_PAGES = 5;

/** The filter form's values as REST query parameters (empty ones left out). */
function filterQuery(form) {
  const f = new FormData(form);
  const q = new URLSearchParams();
  q.set('status', String(f.get('status') || 'all'));
  for (const name of ['priority', 'tag', 'q']) {
    const v = String(f.get(name) ?? '').trim();
    if (v) q.set(name, name === 'tag' ? v.replace(/^#/, '') : v);
  }
  for (const name of ['dueFrom', 'dueTo']) {
    const v = fromLocalInput(String(f.get(name) ?? ''));
    if (v) q.set(name, v);
  }
  return q;
}

/** The same filters applied to one task, for changes that arrive live. */
function matches(task, q) {
  const status = q.get('status');
  if (status === 'pending' && task.completed) return false;
  if (status === 'completed' && !task.completed) return false;
  if (q.has('priority') && task.priority !== q.get('priority')) return false;
  if (q.has('tag') && !task.tags.some((t) => t.toLowerCase() === q.get('tag').toLowerCase())) return false;
  const due = task.dueDate ? Date.parse(task.dueDate) : undefined;
  if (q.has('dueFrom') && (due === undefined || due < Date.parse(q.get('dueFrom')))) return false;
  if (q.has('dueTo') && (due === undefined || due > Date.parse(q.get('dueTo')))) return false;
  if (q.has('q')) {
    const text = `${task.title} ${task.description ?? ''}`.toLowerCase();
    if (!text.includes(q.get('q').toLowerCase())) return false;
  }
  return true;
}

/** Due first (soonest first), then undated ones, newest first. */
function byDue(a, b) {
  if (a.dueDate && b.dueDate) return Date.parse(a.dueDate) - Date.parse(b.dueDate);
  if (a.dueDate) return -1;
  if (b.dueDate) return 1;
  return Date.parse(b.createdAt ?? 0) - Date.parse(a.createdAt ?? 0);
}

export function createTaskList({ api, listEl, emptyEl, errorEl, filtersForm, announce }) {
  /** id → task JSON (with `version`). */
  let tasks = new Map();
  /** Deleted ids: a list fetched before the delete must not bring them back. */
  const deleted = new Set();
  /** id → li, so re-rendering keeps elements (and focus) where nothing changed. */
  const items = new Map();
  let editing;
  let query = filterQuery(filtersForm);
  let loadSeq = 0;
  /** Changes counted, so a load keeps what arrived live while it was running. */
  let changeSeq = 0;
  const changedAt = new Map();

  const showError = (err) => (errorEl.textContent = err ? String(err.message ?? err) : '');

  /** Refetches the list for the current filters (on open, on reconnect, on a filter change). */
  async function load() {
    const seq = ++loadSeq;
    const startedAt = changeSeq;
    const fetched = [];
    let cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams(query);
      q.set('sort', 'dueDate');
      q.set('order', 'asc');
      q.set('limit', String(PAGE));
      if (cursor) q.set('cursor', cursor);
      const body = await api.get(`/tasks?${q}`);
      fetched.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    if (seq !== loadSeq) return;
    const next = new Map();
    for (const t of fetched) if (!deleted.has(t.id)) next.set(t.id, t);
    // What changed live during the fetch is newer than (or as new as) what the fetch returned.
    for (const [id, at] of changedAt) {
      if (at <= startedAt) continue;
      const live = tasks.get(id);
      const got = next.get(id);
      if (live && (!got || got.version < live.version)) next.set(id, live);
      if (!live && deleted.has(id)) next.delete(id);
    }
    tasks = next;
    changedAt.clear();
    showError();
    render();
  }

  /** A task as an API answer returned it (complete, edit, a chat tool call). */
  function upsert(task) {
    if (deleted.has(task.id)) return;
    const current = tasks.get(task.id);
    if (current && current.version >= task.version) return;
    changedAt.set(task.id, ++changeSeq);
    if (matches(task, query)) tasks.set(task.id, { ...current, ...task });
    else tasks.delete(task.id);
    render();
  }

  function remove(id) {
    deleted.add(id);
    changedAt.set(id, ++changeSeq);
    tasks.delete(id);
    render();
  }

  /** A TaskChanged from GET /events. */
  function applyChange(c) {
    if (c.changeKind === 'Deleted' || !c.snapshot) return remove(c.taskId);
    const current = tasks.get(c.taskId);
    upsert({ createdAt: c.occurredAt, ...current, ...c.snapshot, id: c.taskId, version: c.version });
  }

  async function act(what, fn) {
    try {
      await fn();
      showError();
    } catch (err) {
      showError(err);
      announce(`Could not ${what}: ${err.message}`);
    }
  }

  function viewOf(task) {
    const label = task.title;
    const meta = el(
      'span',
      { class: 'task-meta' },
      task.dueDate ? el('time', { datetime: task.dueDate, text: localDateTime(task.dueDate) }) : undefined,
      task.priority
        ? el('span', { class: `badge priority-${task.priority.toLowerCase()}`, text: task.priority })
        : undefined,
      ...task.tags.map((t) => el('span', { class: 'tag', text: `#${t}` })),
      task.recurrencePattern ? el('span', { class: 'badge', text: `repeats ${task.recurrencePattern}` }) : undefined,
    );
    return [
      el('input', {
        type: 'checkbox',
        class: 'done',
        checked: task.completed,
        'aria-label': `Done: ${label}`,
        onchange: (e) =>
          act('change the task', async () => {
            const box = e.currentTarget;
            const updated = box.checked
              ? await api.post(`/tasks/${task.id}/complete`)
              : await api.patch(`/tasks/${task.id}`, { completed: false });
            upsert(updated);
            announce(`${label}: ${updated.completed ? 'done' : 'open again'}`);
          }),
      }),
      el('div', { class: 'task-text' }, el('span', { class: 'task-title', text: label }), meta),
      el('button', {
        type: 'button',
        class: 'edit',
        'aria-label': `Edit ${label}`,
        text: 'Edit',
        onclick: () => edit(task.id),
      }),
      el('button', {
        type: 'button',
        class: 'delete',
        'aria-label': `Delete ${label}`,
        text: 'Delete',
        onclick: () =>
          act('delete the task', async () => {
            const li = items.get(task.id);
            const neighbour = li?.nextElementSibling ?? li?.previousElementSibling;
            await api.del(`/tasks/${task.id}`);
            remove(task.id);
            announce(`Deleted ${label}`);
            neighbour?.querySelector('button.edit')?.focus();
          }),
      }),
    ];
  }

  function editorOf(task) {
    const form = el(
      'form',
      { class: 'edit-form', 'aria-label': `Edit ${task.title}` },
      el('label', {}, 'Title ', el('input', { name: 'title', required: true, maxlength: 500, value: task.title })),
      el(
        'label',
        {},
        'Due ',
        el('input', { name: 'dueDate', type: 'datetime-local', value: toLocalInput(task.dueDate) }),
      ),
      el(
        'label',
        {},
        'Priority ',
        el(
          'select',
          { name: 'priority' },
          el('option', { value: '', text: task.priority ? 'Keep' : 'None' }),
          ...['High', 'Medium', 'Low'].map((p) => el('option', { value: p, text: p, selected: task.priority === p })),
        ),
      ),
      el('label', {}, 'Tags ', el('input', { name: 'tags', value: task.tags.join(' ') })),
      el('button', { type: 'submit', text: 'Save' }),
      el('button', { type: 'button', text: 'Cancel', onclick: () => stopEditing(task.id) }),
    );
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') stopEditing(task.id);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const change = {};
      const title = String(f.get('title')).trim();
      if (title !== task.title) change.title = title;
      const due = fromLocalInput(String(f.get('dueDate')));
      if (due !== (task.dueDate ? fromLocalInput(toLocalInput(task.dueDate)) : null)) change.dueDate = due;
      const priority = String(f.get('priority'));
      if (priority && priority !== task.priority) change.priority = priority;
      const tags = String(f.get('tags'))
        .split(/[\s,]+/)
        .map((t) => t.replace(/^#/, ''))
        .filter(Boolean);
      if (tags.join(' ') !== task.tags.join(' ')) change.tags = tags;
      void act('save the task', async () => {
        if (Object.keys(change).length) upsert(await api.patch(`/tasks/${task.id}`, change));
        announce(`Saved ${title}`);
        stopEditing(task.id);
      });
    });
    return form;
  }

  function edit(id) {
    editing = id;
    const li = items.get(id);
    const task = tasks.get(id);
    if (!li || !task) return;
    li.replaceChildren(editorOf(task));
    li.querySelector('input[name=title]')?.focus();
  }

  function stopEditing(id) {
    editing = undefined;
    const li = items.get(id);
    const task = tasks.get(id);
    if (!li || !task) return render();
    li.dataset.version = '';
    render();
    li.querySelector('button.edit')?.focus();
  }

  function render() {
    const sorted = [...tasks.values()].sort(byDue);
    const keep = new Set(sorted.map((t) => t.id));
    for (const [id, li] of items) {
      if (!keep.has(id)) {
        li.remove();
        items.delete(id);
        if (editing === id) editing = undefined;
      }
    }
    sorted.forEach((task, i) => {
      let li = items.get(task.id);
      if (!li) {
        li = el('li', { class: 'task', 'data-id': task.id });
        items.set(task.id, li);
      }
      if (editing !== task.id && li.dataset.version !== String(task.version)) {
        li.dataset.version = String(task.version);
        li.classList.toggle('completed', task.completed);
        li.replaceChildren(...viewOf(task));
      }
      // Move only what is out of place, so a focused control is not pulled out of the document.
      if (listEl.children[i] !== li) listEl.insertBefore(li, listEl.children[i] ?? null);
    });
    emptyEl.hidden = sorted.length > 0;
  }

  let debounce;
  const refilter = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      query = filterQuery(filtersForm);
      void load().catch(showError);
    }, 250);
  };
  filtersForm.addEventListener('input', refilter);
  filtersForm.addEventListener('change', refilter);
  filtersForm.addEventListener('reset', () => setTimeout(refilter));
  filtersForm.addEventListener('submit', (e) => e.preventDefault());

  return { load, upsert, applyChange };
}
