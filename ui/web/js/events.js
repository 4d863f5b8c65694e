// Live progress from GET /api/admin/sync/events (Server-Sent Events). EventSource cannot
// send an Authorization header and the token must never go into a URL, so the stream is
// read with fetch() and parsed here. When the node has no such route (404) the panel
// relies on polling alone; after a dropped stream it reconnects with back-off.

import { authHeaders } from './api.js';

export function connectEvents(onEvent, onStatus = () => {}) {
  let stopped = false;
  let controller = null;
  let delay = 1000;

  async function run() {
    while (!stopped) {
      controller = new AbortController();
      let res;
      try {
        res = await fetch('/api/admin/sync/events', {
          headers: { ...authHeaders(), Accept: 'text/event-stream' },
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch {
        res = null;
      }
      if (stopped) return;
      if (res && (res.status === 404 || res.status === 401 || res.status === 405)) {
        onStatus('polling');  // not on this node (yet), or signed out: polling covers it
        return;
      }
      if (res && res.ok && res.body) {
        onStatus('live');
        delay = 1000;
        try {
          await readStream(res.body, onEvent);
        } catch {
          // dropped: fall through to reconnect
        }
      }
      if (stopped) return;
      onStatus('polling');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30000);
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}

// Parses "event:", "data:" lines; a blank line ends an event. Data that is JSON is
// handed over parsed, anything else as text.
async function readStream(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let type = 'message';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length) onEvent(type, parse(data.join('\n')));
        type = 'message';
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      } else if (line.startsWith('event:')) {
        type = line.slice(6).trim();
      }
    }
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
