// The expandable "Detailed log" of a full sync. It shows the session's own log lines
// (GET /api/admin/sync/sessions/{id} .log) when the node provides them, and always
// what this panel saw: every change of step or state, with the time and the bytes.

import { h, fill, append } from './dom.js';
import { get } from './api.js';
import { mb } from './format.js';

// A log line from the API may be a string or {at|time, level, message|text}.
export function logLineText(line) {
  if (typeof line === 'string') return line;
  if (!line || typeof line !== 'object') return String(line);
  const when = line.at || line.time || '';
  const level = line.level ? `[${line.level}] ` : '';
  return `${when ? `${when} ` : ''}${level}${line.message ?? line.text ?? JSON.stringify(line)}`;
}

export function renderLogLines(lines) {
  return h('ol', { class: 'log' }, lines.map((l) => h('li', {}, logLineText(l))));
}

export function createSessionLog() {
  let id = null;
  let lastKey = '';
  const seen = h('ol', { class: 'log', id: 'observed-log' });
  const server = h('div', { class: 'server-log' });
  const details = h('details', { class: 'log-details', id: 'progress-log' },
    h('summary', {}, 'Detailed log'), server, h('h3', { class: 'small' }, 'Seen by this panel'), seen);
  details.addEventListener('toggle', () => { if (details.open && id) loadServerLog(id); });

  async function loadServerLog(sessionId) {
    const a = await get(`/api/admin/sync/sessions/${encodeURIComponent(sessionId)}`);
    if (sessionId !== id || !a.ok) return;
    const lines = Array.isArray(a.data?.log) ? a.data.log : [];
    fill(server, lines.length ? [h('h3', { class: 'small' }, 'Session log'), renderLogLines(lines)] : null);
  }

  return {
    element: details,
    reset(sessionId) {
      id = sessionId;
      lastKey = '';
      fill(seen);
      fill(server);
    },
    observe(p) {
      const key = `${p.state}|${p.detailedState}|${p.currentStep}|${p.stalled}|${p.stalled && !!p.blockedBy}`;
      if (key === lastKey) return;
      lastKey = key;
      const bytes = p.totalBytes ? ` — ${mb(p.bytesTransferred)} / ${mb(p.totalBytes)}` : '';
      const extra = p.error ? ` — ${p.error}`
        : p.stalled && p.blockedBy ? ` — held up: ${p.blockedBy}`
        : p.stalled ? ' — no progress for a while' : '';
      append(seen, [h('li', {}, `${new Date().toLocaleTimeString()} ${p.currentStep || p.phase} (${Math.floor(p.progress || 0)}%)${bytes}${extra}`)]);
      // An open log follows the session: its own lines are read again at each new step.
      if (details.open && id) loadServerLog(id);
    },
    loadServerLog,
  };
}
