// Server-Sent Events over fetch. EventSource cannot send an Authorization header, and a token in
// the URL would land in logs, so the stream is read with fetch: the same bearer token as every
// other request, `Last-Event-ID` on a reconnect, backoff while the API is down, and a watchdog
// that reconnects when even the 15 s heartbeat stops arriving (a half-open connection).

const WATCHDOG_MS = 45_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Splits a byte stream into SSE frames `{ id, event, data }` (comments and unknown fields skipped). */
async function readFrames(body, onFrame, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let frame = { id: undefined, event: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (frame.data.length) onFrame({ id: frame.id, event: frame.event, data: frame.data.join('\n') });
        frame = { id: undefined, event: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') frame.data.push(value);
      else if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
    }
  }
}

/**
 * Keeps a stream open until `close()`. `onOpen` runs on every (re)connection before any frame is
 * handled: the place to fetch what may have been missed while disconnected.
 */
export function openEventStream(url, { token, onOpen, onEvent, onState, onUnauthorized }) {
  const stop = new AbortController();
  let lastEventId;

  async function connectOnce() {
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    stop.signal.addEventListener('abort', abort, { once: true });
    let watchdog;
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(abort, WATCHDOG_MS);
    };
    try {
      const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await fetch(url, { headers, signal: attempt.signal, cache: 'no-store' });
      if (res.status === 401) {
        onUnauthorized?.();
        return 'unauthorized';
      }
      if (!res.ok || !res.body) return 'failed';
      feed();
      onState?.('open');
      await onOpen?.();
      await readFrames(
        res.body,
        (frame) => {
          if (frame.id) lastEventId = frame.id;
          let data;
          try {
            data = JSON.parse(frame.data);
          } catch {
            return;
          }
          onEvent(frame.event, data, frame.id);
        },
        feed,
      );
      return 'ended';
    } catch {
      return 'failed';
    } finally {
      clearTimeout(watchdog);
      stop.signal.removeEventListener('abort', abort);
      attempt.abort();
    }
  }

  (async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      const outcome = await connectOnce();
      if (stop.signal.aborted || outcome === 'unauthorized') return;
      failures = outcome === 'ended' ? 0 : failures + 1;
      onState?.('reconnecting');
      // Backoff with jitter, so a restarted API is not met by every page at the same instant.
      const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
      await sleep(base / 2 + Math.random() * (base / 2), stop.signal);
    }
  })();

  return { close: () => stop.abort() };
}
