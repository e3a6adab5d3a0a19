// The page: sign-in, then the chat, the live task list and reminders for the signed-in user.
import { apiClient, devToken } from './api.js';
import { createChat } from './chat.js';
import { openLiveStreams } from './live.js';
import { browserTimeZone } from './format.js';
import { createNotifications } from './notifications.js';
import { createTaskList } from './tasks.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'todo.token';
const SIGN_OUT_REASON_KEY = 'todo.signOutReason';

/** The token's subject (the user id); undefined when it is not a JWT. Verification is the API's job. */
function subjectOf(token) {
  try {
    const payload = token.split('.')[1];
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = JSON.parse(json).sub;
    return typeof sub === 'string' && sub ? sub : undefined;
  } catch {
    return undefined;
  }
}

const announcer = $('announcer');
function announce(text) {
  announcer.textContent = '';
  // A fresh text node after a tick, so screen readers announce a repeated message too.
  setTimeout(() => (announcer.textContent = text));
}

let session;

function setConnection(state, text) {
  const p = $('connection');
  p.dataset.state = state;
  p.textContent = text;
}

/** Leaves the session: the page starts over, so nothing of the last user stays in memory. */
function signOut(reason) {
  session?.close();
  session = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  if (reason) sessionStorage.setItem(SIGN_OUT_REASON_KEY, reason);
  location.replace('/');
}

function showSignIn(reason) {
  $('app').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = reason ?? '';
  setConnection('offline', 'Not signed in');
  $('user-id').focus();
}

/** Sends the browser's zone, so the chat reads "tomorrow at 5pm" as this person's 5 pm. */
async function shareTimeZone(api) {
  try {
    await api.put('/settings', { timeZone: browserTimeZone() });
  } catch (err) {
    // An API without the settings route (404) still serves everything else.
    if (err.status !== 404) console.warn('time zone not saved:', err.message);
  }
}

function signIn(token) {
  const userId = subjectOf(token);
  if (!userId) return showSignIn('That is not a token this API issues.');
  if (session) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('signed-in').hidden = false;
  $('who').textContent = userId;
  $('conversation').replaceChildren();
  $('task-list').replaceChildren();
  $('notification-list').replaceChildren();
  $('notifications-empty').hidden = false;

  const api = apiClient(userId, token, () => signOut('Your session has ended: sign in again.'));
  const tasks = createTaskList({
    api,
    listEl: $('task-list'),
    emptyEl: $('tasks-empty'),
    errorEl: $('tasks-error'),
    filtersForm: $('filters'),
    announce,
  });
  const notifications = createNotifications({
    api,
    listEl: $('notification-list'),
    emptyEl: $('notifications-empty'),
    toastsEl: $('toasts'),
  });
  // The chat waits for the zone to be saved, so the first "tomorrow at 5pm" is already read in it.
  const zoneSaved = shareTimeZone(api);
  createChat({
    api,
    ready: zoneSaved,
    form: $('chat-form'),
    input: $('message'),
    conversationEl: $('conversation'),
    newConversationButton: $('new-conversation'),
    onTask: (t) => tasks.upsert(t),
    onTaskDeleted: (id) => tasks.applyChange({ taskId: id, changeKind: 'Deleted', snapshot: null }),
    announce,
  });

  const states = { tasks: 'connecting', notifications: 'connecting' };
  const showState = () => {
    const all = Object.values(states);
    if (all.every((s) => s === 'open')) setConnection('live', 'Live');
    else if (all.includes('reconnecting')) setConnection('reconnecting', 'Reconnecting…');
    else setConnection('connecting', 'Connecting…');
  };
  showState();
  const onUnauthorized = () => signOut('Your session has ended: sign in again.');
  // Each (re)connection refetches first: whatever changed while the stream was down is caught up.
  const live = openLiveStreams(
    userId,
    token,
    {
      tasks: {
        url: `${api.base}/events`,
        onOpen: () => tasks.load(),
        onEvent: (event, data) => event === 'TaskChanged' && tasks.applyChange(data),
        onState: (s) => ((states.tasks = s), showState()),
      },
      notifications: {
        url: `${api.base}/notifications/events`,
        onOpen: () => notifications.load(),
        onEvent: (event, data) => event === 'Notification' && notifications.add(data),
        onState: (s) => ((states.notifications = s), showState()),
      },
    },
    onUnauthorized,
  );
  session = live;
  $('message').focus();
}

$('dev-sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const userId = $('user-id').value.trim();
  $('sign-in-error').textContent = '';
  devToken(userId).then(signIn, (err) =>
    showSignIn(
      err.status === 404 || err.status === 401
        ? 'Development sign-in is off on this server: paste a token.'
        : err.message,
    ),
  );
});
$('token-sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn($('token').value.trim());
});
$('sign-out').addEventListener('click', () => signOut());

// `/#token=<jwt>` signs in with that token; it leaves the address bar (and history) at once.
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) history.replaceState(null, '', location.pathname + location.search);
const saved = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
const reason = sessionStorage.getItem(SIGN_OUT_REASON_KEY) ?? undefined;
sessionStorage.removeItem(SIGN_OUT_REASON_KEY);
if (saved) signIn(saved);
else showSignIn(reason);
