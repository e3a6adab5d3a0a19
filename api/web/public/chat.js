// The chat panel: the conversation, the assistant's answers and the tool calls behind them.
import { el } from './format.js';

/** A tool call in one line: the tool, its arguments, and what came back. */
function toolCallLine(call) {
  const args = JSON.stringify(call.args ?? {});
  const r = call.result;
  let outcome = '';
  if (r && typeof r === 'object') {
    if ('error' in r) outcome = `error: ${r.error}`;
    else if (Array.isArray(r.items)) outcome = `${r.items.length} task(s)`;
    else if (Array.isArray(r)) outcome = `${r.length} item(s)`;
    else if (r.title) outcome = `“${r.title}”`;
    else if (r.id) outcome = r.id;
  }
  return el(
    'li',
    {},
    el('code', { text: call.tool }),
    ' ',
    el('span', { class: 'args', text: args.length > 120 ? `${args.slice(0, 117)}…` : args }),
    outcome ? ` → ${outcome}` : '',
  );
}

/** Tasks a tool call returned, so the list shows them at once (the live stream confirms later). */
function tasksIn(result) {
  if (!result || typeof result !== 'object') return [];
  const isTask = (t) =>
    t && typeof t === 'object' && typeof t.id === 'string' && typeof t.version === 'number' && 'title' in t;
  if (isTask(result)) return [result];
  if (isTask(result.task)) return [result.task];
  return [];
}

export function createChat({
  api,
  ready,
  form,
  input,
  conversationEl,
  newConversationButton,
  onTask,
  onTaskDeleted,
  announce,
}) {
  let conversationId;

  const append = (li) => {
    conversationEl.append(li);
    li.scrollIntoView({ block: 'end' });
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const message = input.value.trim();
    if (!message) return;
    input.value = '';
    append(el('li', { class: 'from-user' }, el('span', { class: 'who', text: 'You' }), el('p', { text: message })));
    const pending = el('li', { class: 'from-assistant pending', text: 'Thinking…' });
    append(pending);
    form.setAttribute('aria-busy', 'true');
    void ready
      .then(() => api.post('/chat', { message, ...(conversationId && { conversation_id: conversationId }) }))
      .then((answer) => {
        conversationId = answer.conversation_id;
        const calls = answer.tool_calls ?? [];
        pending.replaceWith(
          el(
            'li',
            { class: 'from-assistant' },
            el('span', { class: 'who', text: 'Assistant' }),
            el('p', { text: answer.response }),
            calls.length
              ? el(
                  'details',
                  { class: 'tool-calls' },
                  el('summary', {
                    text: `${calls.length} tool call${calls.length > 1 ? 's' : ''}: ${calls.map((c) => c.tool).join(', ')}`,
                  }),
                  el('ul', {}, ...calls.map(toolCallLine)),
                )
              : undefined,
          ),
        );
        for (const c of calls) {
          for (const t of tasksIn(c.result)) onTask(t);
          if (c.result?.deleted === true && typeof c.result.id === 'string') onTaskDeleted(c.result.id);
        }
      })
      .catch((err) => {
        pending.replaceWith(
          el('li', { class: 'from-assistant error', role: 'alert', text: `Not sent: ${err.message}` }),
        );
      })
      .finally(() => {
        form.removeAttribute('aria-busy');
        input.focus();
      });
  });

  newConversationButton.addEventListener('click', () => {
    conversationId = undefined;
    conversationEl.replaceChildren();
    announce('New conversation');
    input.focus();
  });
}
