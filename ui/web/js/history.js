// The History page: every session this node knows, newest first, filtered by peer and
// state (the filters are the admin's and survive refreshes), each opening its detail.
// Also the "Clear stuck sessions" action for stalled jobs (SPEC.md).

import { h, fill, setText } from './dom.js';
import { post } from './api.js';
import { store, refresh, peerOf, nodeName } from './store.js';
import { clock, elapsed, mb, speed, stateInfo } from './format.js';
import { sessionLink, signature } from './session_row.js';

const STATES = ['succeeded', 'failed', 'cancelled', 'running', 'queued'];

function select(id, label, options) {
  const el = h('select', { id }, options.map(([value, text]) => h('option', { value }, text)));
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

// The API answers with the ids it cleared.
function clearedText(ids) {
  if (!ids.length) return 'No stuck session to clear.';
  return `Cleared ${ids.length} stuck session${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}.`;
}

export function createHistoryPage() {
  const peer = select('filter-peer', 'Peer', [['', 'All peers']]);
  const state = select('filter-state', 'State', [['', 'All states'], ...STATES.map((s) => [s, stateInfo(s).label])]);
  const count = h('p', { class: 'muted', id: 'history-count', 'aria-live': 'polite' });
  const list = h('ul', { class: 'sessions history', id: 'history-list' });
  const clearResult = h('p', { class: 'muted', role: 'status', id: 'clear-stuck-result' });
  const clear = h('button', { type: 'button', id: 'clear-stuck', onclick: clearStuck }, 'Clear stuck sessions');
  const element = h('div', { class: 'page' },
    h('section', { class: 'card', 'aria-labelledby': 'history-title' },
      h('h1', { id: 'history-title' }, 'History'),
      h('div', { class: 'filters' }, peer.field, state.field),
      count, list,
      h('div', { class: 'actions' }, clear, clearResult)));
  let sig = null;
  for (const f of [peer.el, state.el]) f.addEventListener('change', () => { sig = null; render(); });

  async function clearStuck() {
    clear.disabled = true;
    const a = await post('/api/admin/sync/clear-stuck');
    clear.disabled = false;
    setText(clearResult, a.ok ? clearedText(a.data?.cleared || []) : a.status === 401 ? '' : `Could not clear: ${a.error}`);
    refresh();
  }

  function syncPeerOptions() {
    // Add peers as they appear; never rebuild the select, so its choice stays.
    const have = new Set([...peer.el.options].map((o) => o.value));
    const ids = new Set(store.nodes.filter((n) => !n.local).map((n) => n.id));
    for (const s of store.sessions) ids.add(peerOf(s));
    for (const id of ids) if (!have.has(id)) peer.el.appendChild(h('option', { value: id }, nodeName(id)));
  }

  function render() {
    syncPeerOptions();
    const shown = store.sessions.filter((s) => (!peer.el.value || peerOf(s) === peer.el.value) && (!state.el.value || s.state === state.el.value));
    setText(count, `${shown.length} of ${store.sessions.length} sessions`);
    const s = signature(shown);
    if (s === sig) return;
    sig = s;
    fill(list, shown.length ? shown.map((x) => h('li', { class: 'history-row' }, sessionLink(x),
      h('span', { class: 'facts muted' }, `${clock(x.startedAt)} · ${elapsed(x.startedAt, x.finishedAt)} · ${mb(x.bytes)}${x.transferSpeed ? ` at ${speed(x.transferSpeed)}` : ''} · ${x.rows ?? 0} rows · ${x.id}`)))
      : h('li', { class: 'muted' }, 'No sessions match these filters.'));
  }

  return { element, update: render };
}
