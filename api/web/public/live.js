// The live streams of one user, shared by that user's tabs. A browser allows six HTTP/1.1
// connections per origin and each stream holds one for good, so a fourth tab with streams of its
// own would leave no connection for anything else. One tab (the holder of a Web Lock named after
// the user) opens the streams and passes what they bring to the others through a
// BroadcastChannel; when it closes, another tab takes the lock and opens them.
import { openEventStream } from './event-stream.js';

/**
 * `streams`: name → { url, onOpen, onEvent, onState }. `onOpen` runs in every tab when the streams
 * (re)connect (the place to refetch), and once at the start in a tab that does not hold them.
 */
export function openLiveStreams(userId, token, streams, onUnauthorized) {
  const name = `todo-live:${userId}`;
  const channel = 'BroadcastChannel' in self ? new BroadcastChannel(name) : undefined;
  const states = {};
  const post = (message) => channel?.postMessage(message);
  let leading = false;
  let release;
  const opened = [];

  function lead() {
    leading = true;
    for (const [stream, h] of Object.entries(streams)) {
      opened.push(
        openEventStream(h.url, {
          token,
          onUnauthorized,
          onOpen: async () => {
            post({ stream, kind: 'open' });
            await h.onOpen();
          },
          onEvent: (event, data) => {
            post({ stream, kind: 'event', event, data });
            h.onEvent(event, data);
          },
          onState: (state) => {
            states[stream] = state;
            post({ stream, kind: 'state', state });
            h.onState(state);
          },
        }),
      );
    }
  }

  if (channel) {
    channel.onmessage = ({ data: m }) => {
      if (m.kind === 'hello') {
        if (leading) for (const [stream, state] of Object.entries(states)) post({ stream, kind: 'state', state });
        return;
      }
      if (leading) return;
      const h = streams[m.stream];
      if (!h) return;
      if (m.kind === 'open') void h.onOpen().catch(() => undefined);
      else if (m.kind === 'state') h.onState(m.state);
      else if (m.kind === 'event') h.onEvent(m.event, m.data);
    };
  }

  if (navigator.locks && channel) {
    void navigator.locks.request(name, () => {
      lead();
      // Held until this page goes away (the browser releases it then) or closes the streams.
      return new Promise((resolve) => (release = resolve));
    });
    // Not the holder (yet): load once now, and ask the holder how its streams are doing.
    queueMicrotask(() => {
      if (leading) return;
      for (const h of Object.values(streams)) void h.onOpen().catch(() => undefined);
      post({ kind: 'hello' });
    });
  } else {
    lead();
  }

  return {
    close() {
      for (const s of opened) s.close();
      release?.();
      channel?.close();
    },
  };
}
