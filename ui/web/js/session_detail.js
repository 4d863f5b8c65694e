// One session in full (GET /api/admin/sync/sessions/{id}): who, what, when, its options,
// each phase with its bytes, rows and checkpoint, the error and its remedy, the log.

import { h, fill } from './dom.js';
import { get } from './api.js';
import { flow, nodeName } from './store.js';
import { clock, elapsed, mb, speed, stateInfo } from './format.js';
import { statusBadge } from './session_row.js';
import { renderLogLines } from './session_log.js';
import { whatToDo } from './advice.js';

function facts(pairs) {
  return h('dl', { class: 'facts-list' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function phaseTable(phases) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'phases' },
    h('caption', { class: 'visually-hidden' }, 'Phases'),
    h('thead', {}, h('tr', {}, ['Phase', 'Bytes', 'Rows', 'Checkpoint', 'Took'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, phases.map((p) => h('tr', {},
      h('th', { scope: 'row' }, p.phase),
      h('td', {}, p.bytesTotal ? `${mb(p.bytesDone)} / ${mb(p.bytesTotal)}` : mb(p.bytesDone)),
      h('td', {}, p.rowsTotal ? `${p.rowsDone} / ${p.rowsTotal}` : String(p.rowsDone ?? 0)),
      h('td', {}, String(p.checkpoint ?? 0)),
      h('td', {}, p.finishedAt ? elapsed(p.startedAt, p.finishedAt) : p.startedAt ? 'running' : '—'))))));
}

export function createSessionDetail(id) {
  const body = h('div', { class: 'detail-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const element = h('div', { class: 'page' },
    h('section', { class: 'card', 'aria-labelledby': 'detail-title' },
      h('p', {}, h('a', { href: '#/history' }, '← History')),
      h('h1', { id: 'detail-title' }, 'Full sync ', h('code', {}, id)),
      body));

  let shownState = null;
  async function load() {
    const a = await get(`/api/admin/sync/sessions/${encodeURIComponent(id)}`);
    if (!a.ok) {
      if (a.status !== 401) fill(body, h('div', { class: 'alert failed', role: 'alert' }, a.error));
      return;
    }
    const s = a.data;
    shownState = s.state;
    const o = s.options || {};
    const info = stateInfo(s.state);
    fill(body,
      h('p', { class: 'detail-flow' }, statusBadge(s.state, s.stalled), ' ', h('strong', {}, flow(s, 'This server')), ' ', h('span', { class: `muted` }, info.label)),
      s.error ? h('div', { class: 'alert failed', role: 'alert' }, h('strong', { class: 'block' }, s.error), h('span', { class: 'block' }, whatToDo(s.error))) : null,
      facts([
        ['Direction', s.direction === 'push' ? 'Push' : 'Pull'],
        ['Source', nodeName(s.source)], ['Target', nodeName(s.target)],
        ['Started by', s.initiator ? nodeName(s.initiator) : null],
        ['Started', clock(s.startedAt)], ['Finished', s.finishedAt ? clock(s.finishedAt) : 'not yet'],
        ['Took', s.finishedAt ? elapsed(s.startedAt, s.finishedAt) : null],
        ['Data', `${mb(s.bytes)}, ${s.rows ?? 0} rows${s.transferSpeed ? `; transfer at ${speed(s.transferSpeed)}` : ''}`],
        ['Options', `${o.mode || 'merge'}, ${o.compressionEnabled ? 'compressed' : 'not compressed'}, ${o.verifyAfterSync ? 'verified' : 'not verified'}, via ${o.method || 'actor'}${o.bandwidthLimitMBps ? `, cap ${o.bandwidthLimitMBps} MB/s` : ''}`],
        ['Attempt', s.attempt != null ? String(s.attempt) : null],
        ['Cancel reason', s.cancelReason],
      ]),
      Array.isArray(s.phases) && s.phases.length ? [h('h2', {}, 'Phases'), phaseTable(s.phases)] : null,
      h('h2', {}, 'Log'),
      Array.isArray(s.log) && s.log.length ? renderLogLines(s.log) : h('p', { class: 'muted' }, 'This node keeps no log lines for this session.'));
  }

  load();
  return {
    element,
    // A refresh that shows this session in another state (it finished) reloads it.
    update(store) {
      const s = store.sessions.find((x) => x.id === id);
      if (s && shownState && s.state !== shownState) load();
    },
  };
}
